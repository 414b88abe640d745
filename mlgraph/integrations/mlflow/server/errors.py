"""MLflow's error shape, `{"error_code": ..., "message": ...}`, and the one mapping
from mlgraph's error hierarchy to it. The MLflow client retries 5xx, so every
deterministic failure must come out as a 4xx; only real bugs are INTERNAL_ERROR."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from mlgraph.api.responses import JSONResponse
from mlgraph.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    MlgraphError,
    NotFound,
    Unauthorized,
)

log = logging.getLogger("mlgraph.integrations.mlflow.server")

INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
RESOURCE_DOES_NOT_EXIST = "RESOURCE_DOES_NOT_EXIST"
RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
_STATUS = {
    INVALID_PARAMETER_VALUE: 400,
    RESOURCE_ALREADY_EXISTS: 400,
    "BAD_REQUEST": 400,
    RESOURCE_DOES_NOT_EXIST: 404,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "ABORTED": 409,
    "INTERNAL_ERROR": 500,
}


class MlflowError(MlgraphError):
    """An error raised with one of MLflow's codes."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.status = _STATUS.get(error_code, 400)


def invalid(message: str) -> MlflowError:
    return MlflowError(INVALID_PARAMETER_VALUE, message)


def missing(message: str) -> MlflowError:
    return MlflowError(RESOURCE_DOES_NOT_EXIST, message)


def exists(message: str) -> MlflowError:
    return MlflowError(RESOURCE_ALREADY_EXISTS, message)


def error_code(exc: MlgraphError) -> tuple[str, int]:
    """MLflow's (error_code, HTTP status) for one of our errors."""
    if isinstance(exc, MlflowError):
        return exc.error_code, exc.status
    if isinstance(exc, NotFound):
        return RESOURCE_DOES_NOT_EXIST, 404
    if isinstance(exc, Conflict):
        return "ABORTED", 409
    if isinstance(exc, Forbidden):
        return "PERMISSION_DENIED", 403
    if isinstance(exc, Unauthorized):
        return "UNAUTHENTICATED", 401
    if isinstance(exc, InvalidInput):
        return INVALID_PARAMETER_VALUE, 400
    return INVALID_PARAMETER_VALUE, 400 if exc.status < 500 else exc.status


def error_response(exc: Exception, request: Request) -> Response:
    if isinstance(exc, MlgraphError):
        code, status = error_code(exc)
        message = exc.message
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        code, status, message = "INTERNAL_ERROR", 500, "internal server error"
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


class MlflowRoute(APIRoute):
    """A route whose errors leave in MLflow's shape rather than mlgraph's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every error, so none reaches the app's own shape
                return error_response(exc, request)

        return guarded
