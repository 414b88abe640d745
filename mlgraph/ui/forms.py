"""What a page knows of its viewer, and the one reader of the forms the UI posts.

`PageContext` (ASGI middleware, inside `Authenticate`) gives every UI request a `Page`:
who is signed in, and the CSRF token its forms carry. With a session, the token is an
HMAC of the session's secret (which only the HttpOnly cookie holds), so a page on
another site can neither read nor forge it, and signing out retires it; without one
(anonymous, or auth off), it is a random value also set as the `mlgraph_csrf` cookie
(a double-submitted cookie). `read_form` checks it on every post, with the request's
origin, size and content type, before any view sees a field.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlgraph.api.caller import principal_of, session_of
from mlgraph.errors import Forbidden, InvalidInput
from mlgraph.services.principal import Principal

MAX_FORM_BYTES = 100_000
CSRF_COOKIE = "mlgraph_csrf"
CSRF_FIELD = "csrf"
_CSRF_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True, slots=True)
class Page:
    """The viewer of a page: `principal` is None with auth off."""

    principal: Principal | None
    csrf: str
    signed_in: bool  # by a session cookie (so the page offers "Sign out")

    @property
    def auth(self) -> bool:
        return self.principal is not None


_page: ContextVar[Page | None] = ContextVar("mlgraph_page", default=None)


def current() -> Page | None:
    """The page being rendered's viewer (None outside a UI request)."""
    return _page.get()


def csrf_of_session(session: str) -> str:
    return hmac.new(session.encode(), b"mlgraph csrf", hashlib.sha256).hexdigest()[:40]


def secure_cookie(request: HTTPConnection) -> bool:
    """Cookies are `Secure` (sent over HTTPS only) whenever the request came over HTTPS
    or the server listens beyond loopback; only a catalog on a loopback address,
    reached over plain HTTP on its own machine, sends them unencrypted."""
    listens_on_loopback: bool = request.app.state.services.settings.loopback
    return request.url.scheme == "https" or not listens_on_loopback


class PageContext:
    """Sets the `Page` of UI requests (`is_ui(path)`), and the CSRF cookie where a
    viewer without a session has none yet."""

    def __init__(self, app: ASGIApp, is_ui: Callable[[str], bool]) -> None:
        self.app = app
        self.is_ui = is_ui

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.is_ui(scope["path"]):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        session = session_of(conn)
        fresh: str | None = None
        if session:
            csrf = csrf_of_session(session)
        else:
            csrf = conn.cookies.get(CSRF_COOKIE, "")
            if len(csrf) != 43 or not _CSRF_CHARS.issuperset(csrf):
                csrf = fresh = secrets.token_urlsafe(32)
        token = _page.set(Page(principal_of(conn), csrf, signed_in=bool(session)))
        secure = "; Secure" if secure_cookie(conn) else ""

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and fresh:
                MutableHeaders(scope=message).append(
                    "set-cookie",
                    f"{CSRF_COOKIE}={fresh}; Path=/; HttpOnly; SameSite=Lax{secure}",
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            _page.reset(token)


def _check_origin(request: Request) -> None:
    """Refuse posts another site's page sends, by what the browser says of them."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if (site and site not in ("same-origin", "none")) or (origin and origin != own):
        raise Forbidden("forms are accepted only from mlgraph's own pages")


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a form the UI posted, once its origin, size, type and CSRF token
    hold; each field's last value."""
    _check_origin(request)
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidInput(f"the form is larger than {MAX_FORM_BYTES} bytes")
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise InvalidInput("send the form as application/x-www-form-urlencoded")
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    form = {k: v[-1] for k, v in parsed.items()}
    page = current()
    sent = form.pop(CSRF_FIELD, "")
    if page is None or not hmac.compare_digest(sent.encode(), page.csrf.encode()):
        raise Forbidden(
            "the form carries no valid CSRF token (it was not sent from this catalog's "
            "page, or the page is older than your sign-in): reload the page and submit again",
            details={"permission": "csrf"},
        )
    return form
