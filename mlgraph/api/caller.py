"""Who is calling: the one place every door (REST, the UI, the MLflow and DataHub
protocols) turns an HTTP request into the `WriteContext` its writes carry.

The actor is, in order: the `X-Mlgraph-Actor` header (a URN), the user name of HTTP
basic auth (what the `mlflow` client sends for `MLFLOW_TRACKING_USERNAME`), else
`Settings.default_actor`. Nothing here checks a password or a token yet: until sign-in
exists, any caller may name any actor, which is why `production` settings refuse to
listen beyond loopback.
"""

from __future__ import annotations

import base64
import binascii

from starlette.requests import HTTPConnection

from mlgraph.errors import InvalidInput
from mlgraph.model.urn import InvalidUrn, Urn, user_urn
from mlgraph.runtime import Services
from mlgraph.services.proposals import Door, WriteContext

ACTOR_HEADER = "x-mlgraph-actor"
RUN_ID_HEADER = "x-mlgraph-run-id"
MAX_ACTOR = 512  # the stored columns' sizes
MAX_RUN_ID = 255


def _basic_user(authorization: str) -> str | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        user = base64.b64decode(encoded, validate=True).decode().split(":", 1)[0]
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user.strip() or None


def actor_of(request: HTTPConnection, default: str) -> str:
    header = request.headers.get(ACTOR_HEADER)
    user = _basic_user(request.headers.get("authorization", ""))
    actor = header or (user_urn(user) if user else default)
    where = "X-Mlgraph-Actor" if header else "the basic-auth user name" if user else "default_actor"
    try:
        Urn.parse(actor)
    except InvalidUrn as exc:
        raise InvalidUrn(f"{where}: {exc.message}") from None
    if len(actor) > MAX_ACTOR:
        raise InvalidInput(f"{where}: an actor URN has at most {MAX_ACTOR} characters")
    return actor


def write_context(request: HTTPConnection, door: Door) -> WriteContext:
    """The context of writes made for `request` through `door`."""
    services: Services = request.app.state.services
    run_id = request.headers.get(RUN_ID_HEADER) or None
    if run_id is not None and len(run_id) > MAX_RUN_ID:
        raise InvalidInput(f"X-Mlgraph-Run-Id: at most {MAX_RUN_ID} characters")
    return WriteContext(
        actor=actor_of(request, services.settings.default_actor), run_id=run_id, door=door
    )
