"""The SDK's one door to the server: builds requests, decodes JSON with orjson, and
turns every failure into an `MlgraphError` subclass with the server's message intact."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

import httpx
import orjson

from mlgraph.errors import MlgraphError, error_from_body

API = "/api/v1"


class ServerUnreachable(MlgraphError):
    """The server could not be reached (refused, DNS, timeout): nothing was written."""

    code = "server_unreachable"
    status = 503


class ResponseLike(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...


class HttpClient(Protocol):
    """What the SDK needs of an HTTP client: `httpx.Client`, or a test client such as
    `fastapi.testclient.TestClient(app)` for running against the app in-process."""

    def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = ...,
        params: dict[str, Any] | None = ...,
        headers: dict[str, str] | None = ...,
    ) -> Any: ...

    def close(self) -> None: ...


def entity_path(urn: str, *rest: str) -> str:
    """`/api/v1/entities/<url-encoded urn>/<rest...>`."""
    tail = "".join(f"/{quote(part, safe='')}" for part in rest)
    return f"{API}/entities/{quote(str(urn), safe='')}{tail}"


class Http:
    def __init__(
        self,
        url: str,
        *,
        token: str | None,
        actor: str | None,
        run_id: str | None,
        timeout: float,
        transport: httpx.BaseTransport | None,
        http_client: HttpClient | None,
    ) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if actor:
            self.headers["X-Mlgraph-Actor"] = str(actor)
        if run_id:
            self.headers["X-Mlgraph-Run-Id"] = run_id
        self._owned = http_client is None
        self.client: HttpClient = http_client or httpx.Client(
            base_url=self.url, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        if self._owned:
            self.client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> Any:
        """Send one request; return its decoded JSON body or raise our error class."""
        headers = self.headers
        if json is not None:
            body = orjson.dumps(json)
        if body is not None:
            headers = {**headers, "Content-Type": content_type}
        if params:
            params = {k: _param(v) for k, v in params.items() if v is not None}
        try:
            response = self.client.request(
                method, path, content=body, params=params or None, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise ServerUnreachable(
                f"the mlgraph server at {self.url} did not answer {method} {path} in time "
                f"({type(exc).__name__}); the write may or may not have happened"
            ) from exc
        except httpx.TransportError as exc:
            raise ServerUnreachable(
                f"cannot reach the mlgraph server at {self.url}: {exc or type(exc).__name__}; "
                "is it running (`mlgraph serve`) and is MLGRAPH_URL right?"
            ) from exc
        return _decode(response, method, path)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _decode(response: ResponseLike, method: str, path: str) -> Any:
    status = response.status_code
    raw = response.content
    try:
        data = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        data = None
    if status < 400:
        if data is None and raw:
            raise MlgraphError(
                f"{method} {path}: the server answered {status} with a non-JSON body"
            )
        return data
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and "message" in error:
        raise error_from_body(status, error)
    snippet = raw[:200].decode("utf-8", "replace")
    err = MlgraphError(f"{method} {path}: HTTP {status} from the server: {snippet}")
    err.status = status
    raise err
