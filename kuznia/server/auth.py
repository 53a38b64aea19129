"""Authentication of every request: a bearer token (API clients, runs) or a Studio session.

Everything needs credentials except ``/health``, the Studio login page and its
static files, and the scoring routes (the gateway checks endpoint keys there).
A missing or bad credential is a 401 for the API and a redirect to the login
page for Studio; what the principal may do is decided by the services.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from kuznia.services import users
from kuznia.services.access import LOCAL, Principal
from kuznia.services.sessions import SESSION_COOKIE, read_session
from kuznia.services.stores import Stores

PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = frozenset({"/health", "/login", "/favicon.ico"})


# The gateway authenticates scoring itself (endpoint keys). Exactly these two shapes: a
# suffix test would also open e.g. a run file stored as ".../files/endpoints/x/score".
_GATEWAY = re.compile(r"/api/v1/workspaces/[^/]+/endpoints/[^/]+/(score|swagger\.json)")


def _is_public(path: str) -> bool:
    if ".." in path.split("/"):
        return False
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return True
    return _GATEWAY.fullmatch(path) is not None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    header = _header(scope, b"cookie")
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _by_cookie_only(scope: Scope) -> bool:
    authorization = _header(scope, b"authorization")
    return not (authorization and authorization.lower().startswith("bearer "))


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


def _host_name(netloc: str) -> str:
    return netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc


def _is_loopback_request(scope: Scope) -> bool:
    host = _header(scope, b"host") or ""
    if _host_name(host).lower() not in LOOPBACK_HOSTS:
        return False
    origin = _header(scope, b"origin")
    if origin is None or scope["method"] in SAFE_METHODS:
        return True
    return urlsplit(origin).netloc.lower() == host.lower()


async def _forbid(send: Send, message: str) -> None:
    body = json.dumps({"error": {"code": "Forbidden", "message": message}}).encode()
    await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


async def _forbid_cookie_write(send: Send) -> None:
    """Studio's session cookie reads the API (its charts fetch JSON); a browser request that
    changes something through the API could come from another site (CSRF), so it needs a
    bearer token. Studio's own forms are separate routes with CSRF tokens."""
    await _forbid(send, "a Studio session may only read the API; send an API token as "
                        "'Authorization: Bearer <token>' to change things")


class AuthMiddleware:
    def __init__(self, app: ASGIApp, stores: Stores, required: bool) -> None:
        self.app = app
        self.stores = stores
        self.required = required

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        if not self.required:
            # `kuznia studio`: no login, because only this machine can reach it. A web page
            # in the user's browser can, though: refuse other sites' writes (CSRF) and names
            # other than loopback in Host (DNS rebinding would make another site same-origin).
            if not _is_loopback_request(scope):
                await _forbid(send, "this single-user Studio answers only http://127.0.0.1 or localhost, and "
                                    "changes only from its own pages")
                return
            scope["state"]["principal"] = LOCAL
            await self.app(scope, receive, send)
            return
        principal = self._principal(scope)
        scope["state"]["principal"] = principal
        if principal is None and not _is_public(scope["path"]):
            await self._refuse(scope, send)
            return
        if principal is not None and _by_cookie_only(scope) and scope["path"].startswith("/api/") \
                and scope["method"] not in SAFE_METHODS:
            await _forbid_cookie_write(send)
            return
        await self.app(scope, receive, send)

    def _principal(self, scope: Scope) -> Principal | None:
        authorization = _header(scope, b"authorization")
        if authorization and authorization.lower().startswith("bearer "):
            return users.authenticate(self.stores, authorization[7:].strip())
        cookie = _cookie(scope, SESSION_COOKIE)
        if cookie:
            return read_session(self.stores, cookie)
        return None

    async def _refuse(self, scope: Scope, send: Send) -> None:
        path = scope["path"]
        if path.startswith("/api/") or path in ("/openapi.json", "/metrics") or _header(scope, b"authorization"):
            body = (b'{"error": {"code": "Unauthorized", "message": "no valid API token: sign in with '
                    b'`kuznia login --server URL` or set KUZNIA_TOKEN (API clients: '
                    b'\'Authorization: Bearer <token>\')"}}')
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
            await send({"type": "http.response.body", "body": body})
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = quote(path + (f"?{query}" if query else ""), safe="")
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", f"/login?next={target}".encode())]})
        await send({"type": "http.response.body", "body": b""})
