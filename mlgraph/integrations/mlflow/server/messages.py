"""Reading an MLflow request: GET fields from the query string (repeated keys are
lists), other methods from a JSON body (DELETE too). One `Call` per request carries
the services, the acting user and typed accessors that fail with MLflow's codes."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from mlgraph.api.caller import write_context
from mlgraph.api.responses import JSONResponse
from mlgraph.integrations.mlflow.server.errors import invalid
from mlgraph.runtime import Services
from mlgraph.services.proposals import Door, WriteContext

_LIST_FIELDS = {"experiment_ids", "stages", "order_by", "run_ids", "datasets"}


@dataclass
class Call:
    services: Services
    ctx: WriteContext
    msg: dict[str, Any]

    @property
    def signed_in_user(self) -> str | None:
        """The signed-in caller's user name (authentication on): MLflow objects they
        create are theirs, whatever user name the client claims."""
        who = self.ctx.principal
        if who is None or not who.authenticated:
            return None
        return who.urn.removeprefix("urn:li:corpuser:")

    def _get(self, key: str) -> Any:
        value = self.msg.get(key)
        if isinstance(value, list) and key not in _LIST_FIELDS and len(value) == 1:
            return value[0]
        return value

    def text(self, key: str, *also: str) -> str:
        value = self.opt(key, *also)
        if value is None or value == "":
            raise invalid(f"Missing value for required parameter '{key}'.")
        return value

    def opt(self, key: str, *also: str) -> str | None:
        for k in (key, *also):
            value = self._get(k)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise invalid(f"Invalid value {value!r} for parameter '{k}': expected a string")
            return str(value)
        return None

    def integer(self, key: str, default: int | None = None) -> int | None:
        value = self._get(key)
        if value is None or value == "":
            return default
        try:
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            raise invalid(
                f"Invalid value {value!r} for parameter '{key}': expected an integer"
            ) from None

    def number(self, key: str) -> float:
        value = self._get(key)
        if value is None:
            raise invalid(f"Missing value for required parameter '{key}'.")
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise invalid(
                f"Invalid value {value!r} for parameter '{key}': expected a number"
            ) from None

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)

    def items(self, key: str) -> list[Any]:
        value = self.msg.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            return [value]
        return value

    def tags(self, key: str = "tags") -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.items(key):
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise invalid(f"Invalid value for parameter '{key}': expected [{{key, value}}]")
            out[item["key"]] = "" if item.get("value") is None else str(item["value"])
        return out


async def read_message(request: Request) -> dict[str, Any]:
    msg: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in msg:
            prev = msg[key]
            msg[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            msg[key] = [value] if key in _LIST_FIELDS else value
    if request.method != "GET":
        raw = await request.body()
        if raw.strip():
            try:
                body = json.loads(raw)  # the stdlib: MLflow clients send NaN for NaN metrics
            except (ValueError, UnicodeDecodeError) as exc:
                raise invalid(f"Malformed request body: not valid JSON ({exc})") from None
            if not isinstance(body, dict):
                raise invalid("Malformed request body: expected a JSON object")
            msg.update(body)
    return msg


Handler = Callable[[Call], dict[str, Any]]


def route(router: APIRouter, methods: str, path: str, fn: Handler) -> None:
    """Serve `fn(call) -> JSON dict` at `path` for the given methods ("GET,POST")."""

    async def endpoint(request: Request) -> Response:
        services: Services = request.app.state.services
        call = Call(
            services,
            write_context(request, Door.MLFLOW),
            {**await read_message(request), **request.path_params},
        )
        return JSONResponse(await run_in_threadpool(fn, call))

    endpoint.__name__ = f"mlflow_{fn.__name__}"
    router.add_api_route(
        path,
        endpoint,
        methods=methods.split(","),
        name=f"mlflow_{fn.__name__}",
        include_in_schema=False,
    )


Endpoint = Callable[[Request], Awaitable[Response]]
