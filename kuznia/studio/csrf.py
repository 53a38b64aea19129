"""CSRF protection of Studio's forms (signed double-submit cookie).

Each browser gets a random ``kuznia_csrf`` cookie (HttpOnly, SameSite=Strict).
A form carries ``csrf_token`` = HMAC(server key, cookie value + viewer session
id). A POST is accepted only when the field matches the cookie it was derived
from, and, when the browser sends an ``Origin`` header, only from this host. A
page on another site can neither read the cookie nor compute the token.

The server key is derived from the store's secret key file, so every worker
process of one server agrees on it; without a key file it is random per process.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from kuznia.errors import Forbidden
from kuznia.studio.viewer import current_viewer

COOKIE = "kuznia_csrf"
FIELD = "csrf_token"


def _server_key(request: Request) -> bytes:
    state = request.app.state
    key = getattr(state, "studio_csrf_key", None)
    if key is None:
        material = secrets.token_bytes(32)
        key_file = getattr(getattr(state, "stores", None), "key_file", None)
        if key_file is not None:
            with contextlib.suppress(OSError):
                material = key_file.read_bytes()
        key = hashlib.sha256(b"kuznia-studio-csrf\x00" + material).digest()
        state.studio_csrf_key = key
    return key


def _token_for(request: Request, cookie: str) -> str:
    message = f"{cookie}\x00{current_viewer(request).session_id}".encode()
    return hmac.new(_server_key(request), message, hashlib.sha256).hexdigest()


def issue(request: Request) -> tuple[str, str | None]:
    """(token for this page's forms, new cookie value to set or None when the browser has one)."""
    cookie = request.cookies.get(COOKIE)
    new_cookie = None
    if not cookie or len(cookie) > 100:
        cookie = new_cookie = secrets.token_urlsafe(32)
    return _token_for(request, cookie), new_cookie


def set_cookie(response: Response, value: str) -> None:
    response.set_cookie(COOKIE, value, httponly=True, samesite="strict", path="/")


def verify(request: Request, submitted: str | None) -> None:
    """Raise Forbidden unless ``submitted`` is the token of this browser's cookie."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden("this form was sent from another site; open Studio and try again")
    cookie = request.cookies.get(COOKIE)
    if not cookie or not submitted:
        raise Forbidden("the form is missing its security token; reload the page and try again")
    # bytes: compare_digest raises TypeError for non-ASCII str (a 500 instead of a refusal)
    if not hmac.compare_digest(_token_for(request, cookie).encode(), submitted.encode("utf-8", "surrogateescape")):
        raise Forbidden("the form's security token is not valid; reload the page and try again")
