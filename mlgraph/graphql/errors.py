"""GraphQL errors in one shape: `{"message", "locations"?, "path"?, "extensions":
{"code", "details"?}}`, with mlgraph's stable codes. Internal error text never
reaches a client; it goes to the log."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from mlgraph.errors import MlgraphError

log = logging.getLogger("mlgraph.graphql")


def _original(error: GraphQLError) -> Exception | None:
    original: Exception | None = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


def format_error(error: GraphQLError, code: str) -> dict[str, Any]:
    """`code` is used for errors GraphQL itself raises (syntax, validation, variables)."""
    formatted: dict[str, Any] = dict(error.formatted)
    extensions: dict[str, Any] = {"code": code}
    original = _original(error)
    if isinstance(original, MlgraphError):
        formatted["message"] = original.message
        extensions = {"code": original.code}
        if original.details:
            extensions["details"] = original.details
    elif original is not None and not isinstance(original, GraphQLError):
        log.error("unhandled error resolving %s", error.path, exc_info=original)
        formatted["message"] = "internal server error; the server log has details"
        extensions = {"code": "internal"}
    formatted["extensions"] = extensions
    return formatted


def request_error(message: str, code: str = "bad_request") -> dict[str, Any]:
    """A request that could not be executed at all: `{"errors": [...]}`, no data."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}
