"""One error hierarchy for the whole service.

Every error raised on purpose by mlgraph is an `MlgraphError` with a stable `code`
and an HTTP status. The REST layer maps them to one JSON shape in one place
(`mlgraph.api.errors`); the SDK turns that shape back into these classes.
"""

from __future__ import annotations

from typing import Any


class MlgraphError(Exception):
    """Base class: a stable machine-readable code, an HTTP status and a message."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(MlgraphError):
    code = "invalid_input"
    status = 422


class BadRequest(InvalidInput):
    """Input that cannot even be read: malformed JSON, a body of the wrong shape."""

    code = "bad_request"
    status = 400


class PolicyViolation(InvalidInput):
    """A write every schema accepts but a catalog policy refuses (`details.policy` names
    it), e.g. registering a model version whose training run lacks the lineage tags
    its model group requires."""

    code = "policy_violation"


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"
    status = 413


class NotFound(MlgraphError):
    code = "not_found"
    status = 404


class Conflict(MlgraphError):
    code = "conflict"
    status = 409


class Unauthorized(MlgraphError):
    code = "unauthorized"
    status = 401


class Forbidden(MlgraphError):
    code = "forbidden"
    status = 403


ERROR_CLASSES: dict[str, type[MlgraphError]] = {
    cls.code: cls
    for cls in (
        MlgraphError,
        InvalidInput,
        BadRequest,
        PolicyViolation,
        PayloadTooLarge,
        NotFound,
        Conflict,
        Unauthorized,
        Forbidden,
    )
}


def error_from_body(status: int, body: dict[str, Any]) -> MlgraphError:
    """Rebuild the error class a server response describes (used by the SDK)."""
    code = str(body.get("code", "error"))
    cls = ERROR_CLASSES.get(code)
    if cls is None:  # a subclass code (e.g. invalid_urn): the closest class by status
        cls = next((c for c in ERROR_CLASSES.values() if c.status == status), MlgraphError)
    err = cls(str(body.get("message", "")), details=body.get("details"))
    err.status = status
    err.code = code  # keep the server's exact code
    return err
