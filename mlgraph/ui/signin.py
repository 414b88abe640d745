"""Signing in to the web UI and out of it.

A sign-in (a local password here; an identity provider in `mlgraph.ui.oidc`) opens a
session: a short-lived API token (`IdentityService.open_session`) whose secret becomes
the `mlgraph_session` cookie — HttpOnly, SameSite=Lax, Secure beyond plain-HTTP
loopback — and which `mlgraph.api.caller` accepts on the UI's paths only. Signing out
revokes the token, so a copied cookie stops working too. Both are in the audit log.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import HTTPConnection

from mlgraph.api.caller import SESSION_COOKIE, address_of, principal_of, session_of
from mlgraph.api.deps import ServicesDep
from mlgraph.errors import MlgraphError, NotFound, Unauthorized
from mlgraph.runtime import Services
from mlgraph.services.principal import Principal
from mlgraph.services.proposals import Door
from mlgraph.ui.forms import read_form, secure_cookie
from mlgraph.ui.templating import error_page, render

router = APIRouter()


def local_path(target: str | None) -> str:
    """Where to go after signing in: a path of this site, never another site's URL."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def signin_url(next_path: str) -> str:
    return "/signin" + (f"?next={quote(next_path, safe='/')}" if next_path != "/" else "")


def _off(services: Services) -> None:
    if not services.identity.enabled:
        raise NotFound(
            "sign-in is off: this catalog runs without authentication (MLGRAPH_AUTH=off), "
            "so there is nobody to sign in as; see docs/security.md"
        )


def signin_form(
    services: Services, next_path: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        "signin.html",
        status=status,
        title="Sign in",
        next=next_path,
        error=error,
        oidc=services.oidc.enabled,
        oidc_name=services.settings.oidc_name,
    )


@router.get("/signin", response_class=HTMLResponse, name="ui_signin")
def signin_page(services: ServicesDep, next: str = "/") -> HTMLResponse:
    try:
        _off(services)
    except MlgraphError as exc:
        return error_page(exc)
    return signin_form(services, local_path(next))


async def start_session(
    request: Request, services: Services, who: Principal, how: str, next_path: str
) -> Response:
    """Open `who`'s session, set its cookie, and go to `next_path`."""
    made = await run_in_threadpool(services.identity.open_session, who, how, address_of(request))
    response = RedirectResponse(local_path(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        made.secret,
        max_age=services.settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookie(request),
    )
    return response


@router.post("/signin", response_class=HTMLResponse, name="ui_signin_post")
async def signin(request: Request, services: ServicesDep) -> Response:
    try:
        _off(services)
        form = await read_form(request)
    except MlgraphError as exc:
        return error_page(exc)
    next_path = local_path(form.get("next"))
    username = form.get("username", "").strip()
    try:
        who = await run_in_threadpool(
            services.identity.by_password, username, form.get("password", "")
        )
    except Unauthorized as exc:
        await run_in_threadpool(
            services.identity.sign_in_failed,
            f"urn:li:corpuser:{username[:128]}" if username else "urn:li:corpuser:anonymous",
            exc.message,
            Door.UI,
            address_of(request),
        )
        return signin_form(services, next_path, error=exc.message, status=401)
    return await start_session(request, services, who, "password", next_path)


@router.post("/signout", response_class=HTMLResponse, name="ui_signout")
async def signout(request: Request, services: ServicesDep) -> Response:
    try:
        await read_form(request)
    except MlgraphError as exc:
        return error_page(exc)
    who = principal_of(request)
    if who is not None and session_of(request):
        await run_in_threadpool(services.identity.close_session, who, address_of(request))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/setup", response_class=HTMLResponse, name="ui_setup")
def setup_page(services: ServicesDep, code: str = "") -> HTMLResponse:
    """The one-time link printed at the first start: choose the first admin."""
    if not services.identity.needs_setup():
        return error_page(NotFound("this catalog is set up: sign in at /signin"))
    return render("setup.html", title="Set up mlgraph", code=code, error=None)


@router.post("/setup", response_class=HTMLResponse, name="ui_setup_post")
async def setup(request: Request, services: ServicesDep) -> Response:
    form: dict[str, str] = {}
    try:
        form = await read_form(request)
        who = await run_in_threadpool(
            services.identity.complete_setup,
            form.get("code", ""),
            form.get("username", "").strip(),
            form.get("password", ""),
        )
    except MlgraphError as exc:
        if exc.status == 422 and form:  # a user name or password to fix: the form again
            code = form.get("code", "")
            return render("setup.html", 422, title="Set up mlgraph", code=code, error=exc.message)
        return error_page(exc)
    return await start_session(request, services, who, "setup", "/")


def refusal(request: HTTPConnection, exc: MlgraphError) -> Response:
    """A page refused before any view ran (no credentials, or a session that ended):
    a browser asking for a page is sent to sign in, and then back."""
    if exc.status == 401 and request.scope.get("method") in ("GET", "HEAD"):
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response: Response = RedirectResponse(signin_url(local_path(path)), status_code=303)
    else:
        response = error_page(exc)
    if exc.status == 401 and request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response
