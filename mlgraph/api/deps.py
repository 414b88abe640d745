"""Dependencies shared by the routes: the services, the write context, JSON bodies."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request

from mlgraph.api.caller import write_context
from mlgraph.errors import BadRequest
from mlgraph.runtime import Services
from mlgraph.services.proposals import Door, WriteContext


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_write_context(
    request: Request,
    # Declared for the OpenAPI document; `write_context` reads them.
    x_mlgraph_actor: Annotated[str | None, Header(description="URN of the acting user")] = None,
    x_mlgraph_run_id: Annotated[str | None, Header(description="Ingestion run id")] = None,
) -> WriteContext:
    return write_context(request, Door.REST)


WriteContextDep = Annotated[WriteContext, Depends(get_write_context)]


async def json_body(request: Request) -> Any:
    """The request body decoded as JSON, or a 400 that says where it broke."""
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("the request body is empty; send a JSON document")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
