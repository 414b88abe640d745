"""`POST /api/graphql` (`{"query", "variables", "operationName"}` -> `{"data",
"errors"}`, as DataHub's GMS serves it) and `GET /api/graphql`, the GraphiQL page."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from ariadne.explorer import ExplorerGraphiQL
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from graphql import GraphQLError, execute_sync, parse, validate

from mlgraph.api.deps import ServicesDep
from mlgraph.api.responses import JSONResponse
from mlgraph.graphql.context import Context
from mlgraph.graphql.errors import format_error, request_error
from mlgraph.graphql.schema import build_schema
from mlgraph.runtime import Services

PATH = "/api/graphql"
DEFAULT_QUERY = """query {
  search(input: {query: "forecast", count: 5}) {
    total
    searchResults { entity { urn type name } }
    facets { field aggregations { value count } }
  }
}
"""

router = APIRouter(tags=["graphql"])

# The body is read by hand so that even an unreadable one gets a GraphQL-shaped answer;
# this documents it for OpenAPI.
_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["query"],
                "properties": {
                    "query": {"type": "string"},
                    "variables": {"type": "object", "nullable": True},
                    "operationName": {"type": "string", "nullable": True},
                },
            }
        }
    },
}


def run(services: Services, body: Any) -> tuple[int, dict[str, Any]]:
    """Execute one GraphQL request: (HTTP status, response body). A request that
    cannot be parsed or validated is a 400 with no `data`; once it executes, 200."""
    if not isinstance(body, dict):
        return 400, request_error("the body must be a JSON object with a `query` string")
    query, variables, operation = (
        body.get("query"),
        body.get("variables"),
        body.get("operationName"),
    )
    if not isinstance(query, str) or not query.strip():
        return 400, request_error("`query` must be a non-empty string")
    if variables is not None and not isinstance(variables, dict):
        return 400, request_error("`variables` must be an object or null")
    if operation is not None and not isinstance(operation, str):
        return 400, request_error("`operationName` must be a string or null")
    schema = build_schema()
    try:
        document = parse(query)
    except GraphQLError as exc:
        return 400, {"errors": [format_error(exc, "bad_request")]}
    invalid = validate(schema, document)
    if invalid:
        return 400, {"errors": [format_error(e, "invalid_input") for e in invalid]}
    result = execute_sync(
        schema,
        document,
        context_value=Context(services),
        variable_values=variables,
        operation_name=operation,
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [format_error(e, "invalid_input") for e in result.errors]
    return 200, response


@router.post(PATH, name="graphql", openapi_extra={"requestBody": _REQUEST_BODY})
async def graphql(request: Request, services: ServicesDep) -> JSONResponse:
    """DataHub's GraphQL endpoint: entities, search and lineage, read through the same
    services as the REST API. Errors carry mlgraph's codes in `extensions.code`."""
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return JSONResponse(request_error(f"the request body is not valid JSON: {exc}"), 400)
    status, response = await run_in_threadpool(run, services, body)
    return JSONResponse(response, status_code=status)


@cache
def _graphiql() -> str:
    return ExplorerGraphiQL(title="mlgraph GraphQL", default_query=DEFAULT_QUERY).html(None)


@router.get(PATH, name="graphiql", response_class=HTMLResponse)
async def graphiql() -> HTMLResponse:
    """GraphiQL, to write and run queries in a browser."""
    return HTMLResponse(_graphiql())
