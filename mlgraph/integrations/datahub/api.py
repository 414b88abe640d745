"""DataHub GMS's wire protocol, so DataHub's own clients (`DataHubClient`,
`DataHubGraph`, `DatahubRestEmitter`, the `datahub` CLI) work against mlgraph by
changing only the server URL.

The routes sit at the server root, where the clients look for them: `/config`,
`/aspects`, `/entitiesV2`. Errors answer in DataHub's shape (`{"message", "status"}`),
not mlgraph's, because that is what its clients read.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from mlgraph import __version__
from mlgraph.api.caller import write_context
from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.errors import BadRequest, MlgraphError
from mlgraph.integrations.datahub import views
from mlgraph.integrations.datahub.ingestion import ingest
from mlgraph.integrations.datahub.mcp import read_batch, read_body
from mlgraph.integrations.datahub.records import error_body
from mlgraph.services.proposals import Door, WriteContext

# Below 1.0.1, so clients keep to the Rest.li endpoints served here and do not switch
# to OpenAPI ingestion or write tracing.
DATAHUB_VERSION = "v1.0.0"


def datahub_error(status: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status)


class DataHubRoute(APIRoute):
    """Turns mlgraph's errors into DataHub's error JSON for these routes only."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except MlgraphError as exc:
                return datahub_error(exc.status, exc.message)
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}"
                    for e in exc.errors()[:10]
                )
                return datahub_error(400, problems or "the request is invalid")

        return route


router = APIRouter(route_class=DataHubRoute, tags=["datahub"], include_in_schema=False)


def datahub_context(request: Request) -> WriteContext:
    return write_context(request, Door.DATAHUB)


DataHubContext = Annotated[WriteContext, Depends(datahub_context)]


@router.get("/config", name="datahub_config")
async def config(request: Request) -> JSONResponse:
    """What `test_connection()` and the CLI check before they talk to a server."""
    return JSONResponse(
        {
            "noCode": "true",
            "models": {},
            "versions": {
                "acryldata/datahub": {
                    "version": DATAHUB_VERSION,
                    "commit": f"mlgraph-{__version__}",
                },
                "mlgraph": {"version": __version__},
            },
            "datahub": {"serverType": "prod", "serverEnv": "core"},
            "patchCapable": True,
            "statefulIngestionCapable": False,
            "supportsImpactAnalysis": False,
            "retention": "false",
            "timeZone": "UTC",
            "datasetUrnNameCasing": False,
            "managedIngestion": {"enabled": False, "defaultCliVersion": ""},
            "telemetry": {"enabledCli": False, "enabledIngestion": False},
            "baseUrl": str(request.base_url).rstrip("/"),
        }
    )


@router.post("/aspects", name="datahub_ingest_proposal")
async def ingest_proposal(
    request: Request,
    services: ServicesDep,
    ctx: DataHubContext,
    action: Annotated[str, Query()],
) -> JSONResponse:
    """`?action=ingestProposal` (one MCP) or `?action=ingestProposalBatch` (many, applied
    as one atomic batch)."""
    fields = {"ingestProposal": "proposal", "ingestProposalBatch": "proposals"}
    if action not in fields:
        raise BadRequest(f"action {action!r} is not supported; use {' or '.join(fields)}")
    mcps = read_batch(read_body(await request.body()), fields[action])
    await run_in_threadpool(ingest, mcps, services.entities, services.writes, ctx)
    return JSONResponse({"value": mcps[0].urn if len(mcps) == 1 else None})


@router.get("/aspects/{urn:path}", name="datahub_get_aspect")
async def get_aspect(
    urn: str,
    services: ServicesDep,
    aspect: Annotated[str, Query()],
    version: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    body = await run_in_threadpool(views.aspect, services.entities, urn, aspect, version)
    return JSONResponse(body)


@router.get("/entitiesV2/{urn:path}", name="datahub_get_entity")
async def get_entity(
    urn: str, services: ServicesDep, aspects: Annotated[str | None, Query()] = None
) -> JSONResponse:
    body = await run_in_threadpool(views.entity, services.entities, urn, views.aspect_list(aspects))
    return JSONResponse(body)
