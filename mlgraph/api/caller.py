"""Who is calling: the one place every door (REST, the UI, GraphQL, the MLflow and
DataHub protocols) reads credentials off an HTTP request and turns it into the
`WriteContext` its writes carry.

With `Settings.auth` on, `Authenticate` (middleware in front of every door) checks the
`Authorization` header once per request: `Bearer <token>` (mlgraph's SDK and CLI,
`MLFLOW_TRACKING_TOKEN`, DataHub's `token=`) or HTTP basic auth with a password or a
token as the password (`MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`); on
the web UI's own pages only, the session cookie set at sign-in (`mlgraph.ui.signin`),
whose form posts must then carry its CSRF token (`mlgraph.ui.forms`). Bad credentials,
and reads without credentials where anonymous reads are off, are refused with a 401 in
the door's own error shape. The writes then act as the signed-in user;
`X-Mlgraph-Actor` may only repeat it.

With auth off, the actor is, in order: the `X-Mlgraph-Actor` header (a URN), the user
name of HTTP basic auth, else `Settings.default_actor`, and nothing is checked: any
caller may name any actor, which is why `production` settings then refuse to listen
beyond loopback.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mlgraph.errors import Forbidden, InvalidInput, MlgraphError, Unauthorized
from mlgraph.model.urn import InvalidUrn, Urn, user_urn
from mlgraph.runtime import Services
from mlgraph.services.access import SIGN_IN
from mlgraph.services.identity import SlowCheck
from mlgraph.services.principal import Permission, Principal
from mlgraph.services.proposals import Door, WriteContext

ACTOR_HEADER = "x-mlgraph-actor"
RUN_ID_HEADER = "x-mlgraph-run-id"
MAX_ACTOR = 512  # the stored columns' sizes
MAX_RUN_ID = 255
MAX_AUTHORIZATION = 4096
# Served to anybody: liveness, the UI's files and sign-in pages, and DataHub's
# `/config` (its clients read it before they send a token).
PUBLIC_PATHS = frozenset(
    {
        "/health",
        "/favicon.ico",
        "/config",
        "/signin",
        "/signin/oidc",
        "/signin/oidc/callback",
        "/setup",
    }
)
PUBLIC_PREFIX = "/static/"
ANONYMOUS = "urn:li:corpuser:anonymous"
# The web UI's session: the secret of a short-lived token, in an HttpOnly cookie that
# only the UI's own paths accept (an API call must carry its credentials itself).
SESSION_COOKIE = "mlgraph_session"


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


def _credentials(services: Services, authorization: str, slow: bool = True) -> Principal:
    """The principal `authorization` (an `Authorization` header) proves. `slow=False`:
    raise `SlowCheck` where a password needs argon2."""
    identity = services.identity
    if not authorization:
        return identity.anonymous()
    if len(authorization) > MAX_AUTHORIZATION:
        raise Unauthorized(f"the Authorization header is longer than {MAX_AUTHORIZATION} bytes")
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return identity.by_token(value)
    if scheme.lower() == "basic" and value:
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized(
                "the basic-auth credentials are not valid base64 of user:password"
            ) from None
        if not sep:
            raise Unauthorized("the basic-auth credentials have no password (user:password)")
        return identity.by_password(user, password, slow=slow)
    raise Unauthorized(
        "the Authorization header must be `Bearer <token>` or `Basic <user:password>`"
    )


ErrorShape = Callable[[HTTPConnection, MlgraphError], Response]


class Authenticate:
    """ASGI middleware in front of every door: with auth on, works out the request's
    `Principal` once (kept in `request.state.principal`), and answers 401 in the door's
    error shape (`shape`) to bad credentials, or to none where reads need them."""

    def __init__(self, app: ASGIApp, shape: ErrorShape, door_of: Callable[[str], Door]) -> None:
        self.app = app
        self.shape = shape
        self.door_of = door_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        services: Services = conn.app.state.services
        if not services.identity.enabled:
            await self.app(scope, receive, send)
            return
        door = self.door_of(conn.url.path)
        authorization = conn.headers.get("authorization", "")
        session = conn.cookies.get(SESSION_COOKIE) if door is Door.UI else None
        try:
            try:
                if session and not authorization:
                    principal = _session(services, session)
                else:
                    session = None
                    try:
                        # one indexed read (a token, or an account); roles are remembered
                        principal = _credentials(services, authorization, slow=False)
                    except SlowCheck:  # argon2: off the event loop
                        principal = await run_in_threadpool(_credentials, services, authorization)
            except Unauthorized as exc:
                await run_in_threadpool(
                    services.identity.sign_in_failed,
                    _claimed(authorization),
                    exc.message,
                    door,
                    address_of(conn),
                )
                raise
            path = conn.url.path
            public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIX)
            if not public and not principal.can(Permission.READ):
                raise (
                    Unauthorized(SIGN_IN)
                    if not principal.authenticated
                    else Forbidden(
                        f"permission denied: {principal.describe()} lacks `read`: ask an admin "
                        "for the viewer role"
                    )
                )
        except MlgraphError as exc:
            response = self.shape(conn, exc)
            if response.status_code == 401 and door is not Door.UI:  # a browser would prompt
                response.headers["WWW-Authenticate"] = 'Basic realm="mlgraph", charset="UTF-8"'
            await response(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["session"] = session
        await self.app(scope, receive, send)


def _session(services: Services, cookie: str) -> Principal:
    try:
        return services.identity.by_token(cookie)
    except Unauthorized as exc:
        reason = exc.message.split(";")[0].split(" (")[0]
        raise Unauthorized(
            f"your session is not valid or has ended ({reason}): sign in again",
            details={"session": "ended"},
        ) from None


def session_of(request: HTTPConnection) -> str | None:
    """The secret of the UI session the request was authenticated by, if any."""
    session: str | None = getattr(request.state, "session", None)
    return session


def address_of(request: HTTPConnection) -> str | None:
    return request.client.host if request.client else None


def _claimed(authorization: str) -> str:
    """Who a refused credential claimed to be, for the audit log: the basic-auth user
    name, if it reads as one (never the password or the token)."""
    user = _basic_user(authorization.strip()) if len(authorization) <= MAX_AUTHORIZATION else None
    if user and len(user) <= 128 and not user.startswith("mlgp_"):
        return user_urn(user)
    return ANONYMOUS


def principal_of(request: HTTPConnection) -> Principal | None:
    """The request's signed-in (or anonymous) caller; None with auth off."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal


def write_context(request: HTTPConnection, door: Door) -> WriteContext:
    """The context of writes made for `request` through `door`."""
    services: Services = request.app.state.services
    run_id = request.headers.get(RUN_ID_HEADER) or None
    if run_id is not None and len(run_id) > MAX_RUN_ID:
        raise InvalidInput(f"X-Mlgraph-Run-Id: at most {MAX_RUN_ID} characters")
    principal = principal_of(request)
    if principal is None:
        actor = actor_of(request, services.settings.default_actor)
        return WriteContext(actor=actor, run_id=run_id, door=door, address=address_of(request))
    named = request.headers.get(ACTOR_HEADER)
    if named and named != principal.urn:
        raise Forbidden(
            f"X-Mlgraph-Actor names {named[:MAX_ACTOR]}, but the request is signed in as "
            f"{principal.urn}: writes act as the signed-in user (drop the header)",
            details={"permission": "act_as"},
        )
    return WriteContext(
        actor=principal.urn,
        run_id=run_id,
        door=door,
        principal=principal,
        address=address_of(request),
    )
