"""Who am I, API tokens, users and roles. The rules (who may list, create, revoke)
are `IdentityService`'s; these routes read the request and shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from mlgraph.api.caller import principal_of
from mlgraph.api.deps import ServicesDep, json_body
from mlgraph.api.responses import JSONResponse
from mlgraph.api.schemas import (
    ERRORS,
    NewTokenOut,
    PrincipalOut,
    RolesOut,
    TokenOut,
    TokensOut,
    UsersOut,
)
from mlgraph.errors import BadRequest, Conflict, Unauthorized
from mlgraph.services.access import SIGN_IN
from mlgraph.services.principal import Principal
from mlgraph.store.identity_store import TokenRow

router = APIRouter(prefix="/api/v1", tags=["identity"], responses=ERRORS)


def signed_in(request: Request) -> Principal:
    """The signed-in caller; these routes need one (and so need auth on)."""
    principal = principal_of(request)
    if principal is None:
        raise Conflict(
            "authentication is off on this server (MLGRAPH_AUTH=off): there are no users "
            "or tokens to manage; see docs/security.md"
        )
    if not principal.authenticated:
        raise Unauthorized(SIGN_IN)
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


def token_out(row: TokenRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "owner": row.owner_urn,
        "name": row.name,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


def _field(body: Any, name: str, kind: type, required: bool = True) -> Any:
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadRequest(f"{name}: required, a {kind.__name__}")
    return value


@router.get("/me", response_model=PrincipalOut, name="whoami")
async def whoami(request: Request, services: ServicesDep) -> JSONResponse:
    """The caller as the server sees it: user, roles, groups, and the token used."""
    principal = principal_of(request)
    if principal is None:
        actor = services.settings.default_actor
        body = {"urn": actor, "authenticated": False, "roles": [], "groups": [], "token_id": None}
        return JSONResponse({**body, "auth": "off"})
    return JSONResponse(
        {
            "urn": principal.urn,
            "authenticated": principal.authenticated,
            "roles": sorted(principal.roles),
            "groups": sorted(principal.groups),
            "token_id": principal.token_id,
            "auth": "on",
        }
    )


@router.post("/tokens", response_model=NewTokenOut, name="create_token")
async def create_token(
    services: ServicesDep, who: SignedIn, body: Annotated[Any, Depends(json_body)]
) -> JSONResponse:
    """A new API token for the caller (or, for admins, for `owner`). The answer holds
    the secret once."""
    name = _field(body, "name", str)
    days = _field(body, "days", int, required=False)
    owner = _field(body, "owner", str, required=False) or who.urn
    new = await run_in_threadpool(services.identity.create_token, owner, name, days=days, by=who)
    return JSONResponse({"token": token_out(new.token), "secret": new.secret})


@router.get("/tokens", response_model=TokensOut, name="list_tokens")
async def list_tokens(services: ServicesDep, who: SignedIn, all: bool = False) -> JSONResponse:
    """The caller's tokens (never their secrets); `all=true`: everybody's, for admins."""
    rows = await run_in_threadpool(services.identity.tokens, None if all else who.urn, by=who)
    return JSONResponse({"tokens": [token_out(r) for r in rows]})


@router.delete("/tokens/{token_id}", response_model=TokenOut, name="revoke_token")
async def revoke_token(services: ServicesDep, who: SignedIn, token_id: str) -> JSONResponse:
    """Revoke one of the caller's tokens (admins: anybody's); refused from the next
    request on."""
    row = await run_in_threadpool(services.identity.revoke_token, token_id, by=who)
    return JSONResponse(token_out(row))


@router.get("/users", response_model=UsersOut, name="list_users")
async def list_users(services: ServicesDep, who: SignedIn) -> JSONResponse:
    """Every local account and its roles (admins only)."""
    users = await run_in_threadpool(services.identity.users, by=who)
    return JSONResponse({"users": users})


@router.post("/users", response_model=UsersOut, name="create_user")
async def create_user(
    services: ServicesDep, who: SignedIn, body: Annotated[Any, Depends(json_body)]
) -> JSONResponse:
    """Create a local account (admins only): `username`, `password` (at least 12
    characters; omit it for an account that signs in with tokens only), `roles`."""
    username = _field(body, "username", str)
    password = _field(body, "password", str, required=False)
    roles = _field(body, "roles", list, required=False) or ["viewer"]
    if not all(isinstance(r, str) for r in roles):
        raise BadRequest("roles: a list of role names")
    identity = services.identity
    urn = await run_in_threadpool(identity.create_user, username, password, roles, by=who)
    users = await run_in_threadpool(identity.users, by=who)
    return JSONResponse({"users": [u for u in users if u["urn"] == urn]})


@router.put("/roles", response_model=RolesOut, name="set_roles")
async def set_roles(
    services: ServicesDep, who: SignedIn, body: Annotated[Any, Depends(json_body)]
) -> JSONResponse:
    """Grant exactly `roles` to `principal`, a user or a group URN (admins only)."""
    principal = _field(body, "principal", str)
    roles = _field(body, "roles", list)
    if not all(isinstance(r, str) for r in roles):
        raise BadRequest("roles: a list of role names")
    await run_in_threadpool(services.identity.set_roles, principal, roles, by=who)
    return JSONResponse({"principal": principal, "roles": sorted(set(roles))})
