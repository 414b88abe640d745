"""Signing in through the team's identity provider (`mlgraph.services.oidc`): the
browser leaves for the provider with a state, a nonce and a PKCE challenge, and
comes back to `/signin/oidc/callback`; the attempt waits in a short-lived HttpOnly
cookie scoped to these two paths."""

from __future__ import annotations

from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlgraph.api.caller import address_of
from mlgraph.api.deps import ServicesDep
from mlgraph.errors import MlgraphError, NotFound, Unauthorized
from mlgraph.services.oidc import Attempt
from mlgraph.services.proposals import Door
from mlgraph.ui.forms import secure_cookie
from mlgraph.ui.signin import local_path, signin_form, start_session
from mlgraph.ui.templating import error_page

router = APIRouter()

ATTEMPT_COOKIE = "mlgraph_oidc"
ATTEMPT_PATH = "/signin/oidc"
ATTEMPT_SECONDS = 600
CALLBACK = "ui_oidc_callback"  # the route the provider sends the browser back to


@router.get("/signin/oidc", response_class=HTMLResponse, name="ui_oidc")
async def leave(request: Request, services: ServicesDep, next: str = "/") -> Response:
    try:
        if not (services.identity.enabled and services.oidc.enabled):
            raise NotFound("single sign-on is not set up here (MLGRAPH_OIDC_ISSUER)")
        url, attempt = await services.oidc.begin(str(request.url_for(CALLBACK)))
    except MlgraphError as exc:
        return error_page(exc)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        ATTEMPT_COOKIE,
        f"{attempt.encode()}|{quote(local_path(next), safe='')}",
        max_age=ATTEMPT_SECONDS,
        path=ATTEMPT_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookie(request),
    )
    return response


@router.get("/signin/oidc/callback", response_class=HTMLResponse, name=CALLBACK)
async def back(
    request: Request,
    services: ServicesDep,
    state: str = "",
    code: str = "",
    error: str = "",
    error_description: str = "",
) -> Response:
    held, _, next_path = request.cookies.get(ATTEMPT_COOKIE, "").partition("|")
    next_path = local_path(unquote(next_path))
    try:
        if not (services.identity.enabled and services.oidc.enabled):
            raise NotFound("single sign-on is not set up here (MLGRAPH_OIDC_ISSUER)")
        if error:
            why = f"the identity provider answered {error[:100]}"
            raise Unauthorized(f"{why}: {error_description[:300]}" if error_description else why)
        attempt = Attempt.decode(held)
        redirect_uri = str(request.url_for(CALLBACK))
        claims = await services.oidc.finish(redirect_uri, attempt, state, code)
        who = await run_in_threadpool(services.oidc.principal_for, claims)
    except MlgraphError as exc:
        if exc.status not in (401, 403):
            return error_page(exc)
        await run_in_threadpool(
            services.identity.sign_in_failed,
            "urn:li:corpuser:anonymous",
            f"single sign-on: {exc.message}",
            Door.UI,
            address_of(request),
        )
        response: Response = signin_form(services, next_path, exc.message, exc.status)
    else:
        response = await start_session(request, services, who, "oidc", next_path)
    response.delete_cookie(ATTEMPT_COOKIE, path=ATTEMPT_PATH)
    return response
