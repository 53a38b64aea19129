"""Signing in to Studio with an API token (exchanged for a signed session cookie) and out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kuznia.services import users
from kuznia.services.access import hash_token
from kuznia.services.sessions import SESSION_COOKIE, SESSION_SECONDS, make_session
from kuznia.store import users as user_store
from kuznia.studio import csrf
from kuznia.studio.errors import StudioRoute
from kuznia.studio.templating import render

router = APIRouter(route_class=StudioRoute)  # errors (a refused form) are pages too


def _safe_next(target: str | None) -> str:
    """Only paths of this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(request: Request, token: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form(max_length=2000)] = "/",
          csrf_token: Annotated[str | None, Form(max_length=200)] = None) -> Response:
    # Without it another site could sign a visitor in as the attacker (login CSRF).
    csrf.verify(request, csrf_token)
    stores = request.app.state.stores
    principal = users.authenticate(stores, token.strip())
    if principal is None or principal.kind != "user":
        return render(request, "login.html", status_code=401, next=_safe_next(next),
                      error="That token is not valid (or was revoked). Ask an admin for a new one.")
    with stores.db.read() as conn:
        found = user_store.token_owner(conn, hash_token(token.strip()))
    assert found is not None
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, make_session(stores, found[0].id), max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str | None, Form(max_length=200)] = None) -> Response:
    csrf.verify(request, csrf_token)  # another site may not sign a visitor out either
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
