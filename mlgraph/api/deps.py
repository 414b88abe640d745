"""Dependencies shared by the routes: the services, the acting user, JSON bodies."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request

from mlgraph.errors import BadRequest
from mlgraph.model.urn import Urn
from mlgraph.runtime import Services
from mlgraph.services.proposals import WriteContext


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_write_context(
    request: Request,
    x_mlgraph_actor: Annotated[str | None, Header(description="URN of the acting user")] = None,
    x_mlgraph_run_id: Annotated[str | None, Header(description="Ingestion run id")] = None,
) -> WriteContext:
    services: Services = request.app.state.services
    actor = x_mlgraph_actor or services.settings.default_actor
    Urn.parse(actor)
    return WriteContext(actor=actor, run_id=x_mlgraph_run_id)


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
