"""Refuse oversized request bodies before reading them into memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlgraph.api.errors import error_response
from mlgraph.errors import PayloadTooLarge


class BodyLimit:
    """Answers 413 for a declared Content-Length over the limit, and stops reading a
    streamed body (raising PayloadTooLarge, mapped like any error) once it passes it."""

    def __init__(self, app: ASGIApp, max_bytes: int, exempt: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt or {}

    def _limit(self, path: str) -> int:
        return next(
            (n for prefix, n in self.exempt.items() if path.startswith(prefix)), self.max_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        refusal = f"request body is larger than {limit} bytes; split it into smaller batches"
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                response = error_response(413, PayloadTooLarge.code, refusal)
                await response(scope, receive, send)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(refusal)
            return message

        await self.app(scope, limited_receive, send)
