"""Every route of the app, checked automatically: no token → 401 (or Studio's login redirect),
a reader writing → 403, a user outside the workspace → 403/404, a run token outside its run → 403/404.

Nothing here lists the routes: a new route is checked as soon as it exists, and one that
answers without a token fails unless it is added to ANONYMOUS_ALLOWED with a reason.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from fastapi import FastAPI

from kuznia.server import auth
from tests.security.conftest import Team, client_of, make_settings, new_run_token
from tests.security.routes import (
    ANONYMOUS_ALLOWED,
    NON_ADMIN_EXPECTED,
    Endpoint,
    body_for,
    endpoints,
)


def values_for(team: Team) -> dict[str, str]:
    return {
        "workspace": team.workspace, "run_id": team.run_id, "name": "thing", "version": "1",
        "path": "outputs/a.txt", "stream": "user_logs/std_log.txt", "digest": "0" * 64,
        "snapshot_id": "0" * 64, "token_id": "no-such-token", "user": team.users["reader"], "experiment": "exp",
    }


def is_refused_anonymously(endpoint: Endpoint, response) -> bool:  # noqa: ANN001
    if endpoint.is_api:
        return response.status_code == 401 and response.json()["error"]["code"] == "Unauthorized"
    # Studio pages send browsers to the sign-in page; a client that sent a token gets the 401
    return response.status_code == 401 or (
        response.status_code == 303 and response.headers["location"].startswith("/login?next="))


def anonymous_failures(app: FastAPI, team: Team, headers: dict[str, str] | None = None) -> list[str]:
    """What answers a request without valid credentials, apart from ANONYMOUS_ALLOWED."""
    failures = []
    with client_of(app) as client:
        for endpoint in endpoints(app):
            if endpoint.key in ANONYMOUS_ALLOWED:
                continue
            r = client.request(endpoint.method, endpoint.url(values_for(team)), headers=headers,
                               **body_for(endpoint))  # type: ignore[arg-type]
            if not is_refused_anonymously(endpoint, r):
                failures.append(f"{endpoint.method} {endpoint.path} -> {r.status_code} {r.text[:120]}")
    return failures


def test_every_route_needs_a_token(app, team):
    assert anonymous_failures(app, team) == []


@pytest.mark.parametrize("credentials", [
    {"Authorization": "Bearer kzu_not-a-real-token-0123456789abcdef"},
    {"Authorization": "Bearer kzr_not-a-real-run-token-0123456789"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic YWRtaW46YWRtaW4="},
    {"Cookie": "kuznia_session=forged.9999999999.AAAA"},
    {"Cookie": "kuznia_session=x.9999999999.a"},  # a signature that is not even base64
    {"Cookie": "kuznia_session=x.y"},
    {"Cookie": "kuznia_session=a.9999999999.\u00e9t\u00e9".encode("latin-1")},
], ids=["unknown-user-token", "unknown-run-token", "empty-bearer", "basic", "forged-cookie", "bad-b64-cookie",
        "short-cookie", "non-ascii-cookie"])
def test_bad_credentials_are_refused_everywhere(app, team, credentials):
    assert anonymous_failures(app, team, credentials) == []


def test_the_anonymous_allow_list_is_current(app):
    """An allow-listed route that no longer exists is a stale reason: remove it."""
    keys = {e.key for e in endpoints(app)}
    assert set(ANONYMOUS_ALLOWED) <= keys


def test_a_new_route_open_without_a_token_fails_the_check(stores, team, monkeypatch):
    """The check itself: a route someone makes public without an allow-list entry is caught."""
    monkeypatch.setattr(auth, "PUBLIC_PATHS", auth.PUBLIC_PATHS | {"/api/v1/debug/state"})
    app = __import__("kuznia.server.app", fromlist=["create_app"]).create_app(stores, make_settings())

    @app.get("/api/v1/debug/state")
    def debug_state() -> dict[str, str]:
        return {"everything": "here"}

    failures = anonymous_failures(app, team)
    assert failures and all("/api/v1/debug/state" in f for f in failures), failures


@pytest.mark.parametrize("path", [
    "/api/v1/workspaces/w/runs/r/files/endpoints/x/score",
    "/api/v1/workspaces/w/runs/r/logs/endpoints/x/swagger.json",
    "/api/v1/workspaces/w/endpoints/x/keys/score",
    "/api/v1/workspaces/w/endpoints/x/score/",
    "/static/../api/v1/users",
    "/healthz",
])
def test_public_paths_are_exact(path):
    """Only the allow-listed shapes are public, not every path that ends like one."""
    assert not auth._is_public(path)


def test_public_paths(team):
    for path in ("/health", "/login", "/static/studio.css", f"/api/v1/workspaces/{team.workspace}/endpoints/e/score",
                 f"/api/v1/workspaces/{team.workspace}/endpoints/e/swagger.json"):
        assert auth._is_public(path), path


def test_static_files_need_no_token_and_stay_in_their_folder(app):
    with client_of(app) as client:
        listed = client.get("/static/")
        assert listed.status_code == 404
        for path in ("/static/../kuznia/server/auth.py", "/static/%2e%2e/%2e%2e/server/auth.py",
                     "/static/..%2f..%2fserver%2fauth.py", "/static/%252e%252e/x", "/static//etc/passwd"):
            r = client.get(path)
            assert r.status_code in (401, 303, 404), (path, r.status_code)
            assert b"AuthMiddleware" not in r.content


def test_a_reader_cannot_write_anywhere(app, team):
    failures = []
    with team.client(app, "reader") as client:
        for endpoint in endpoints(app):
            if not endpoint.in_workspace or not endpoint.is_write or endpoint.key in ANONYMOUS_ALLOWED:
                continue
            r = client.request(endpoint.method, endpoint.url(values_for(team)), **body_for(endpoint))  # type: ignore[arg-type]
            if r.status_code != 403:
                failures.append(f"{endpoint.method} {endpoint.path} -> {r.status_code} {r.text[:120]}")
    assert failures == []


def test_a_reader_reads_everything_but_owner_pages(app, team):
    owners_only = {("GET", "/api/v1/workspaces/{workspace}/audit"),
                   ("GET", "/api/v1/workspaces/{workspace}/endpoints/{name}/keys")}
    failures = []
    with team.client(app, "reader") as client:
        for endpoint in endpoints(app):
            if not endpoint.in_workspace or endpoint.is_write or endpoint.key in ANONYMOUS_ALLOWED:
                continue
            r = client.request(endpoint.method, endpoint.url(values_for(team)), **body_for(endpoint))  # type: ignore[arg-type]
            expected_forbidden = endpoint.key in owners_only and endpoint.key[1].endswith("audit")
            if expected_forbidden and r.status_code != 403:
                failures.append(f"{endpoint.method} {endpoint.path}: owners only, got {r.status_code}")
            csrf_refused = not endpoint.is_api and r.status_code == 403 and "security token" in r.text
            if csrf_refused:  # a Studio form without its CSRF token: refused before any role check
                continue
            if not expected_forbidden and r.status_code in (401, 403) and endpoint.key not in owners_only:
                failures.append(f"{endpoint.method} {endpoint.path} -> {r.status_code} {r.text[:120]}")
            assert r.status_code < 500, (endpoint.path, r.text)
    assert failures == []


def test_a_user_outside_the_workspace_gets_nothing(app, team):
    failures = []
    with team.client(app, "outsider") as client:
        for endpoint in endpoints(app):
            if not endpoint.in_workspace or endpoint.key in ANONYMOUS_ALLOWED:
                continue
            r = client.request(endpoint.method, endpoint.url(values_for(team)), **body_for(endpoint))  # type: ignore[arg-type]
            if r.status_code not in (403, 404):
                failures.append(f"{endpoint.method} {endpoint.path} -> {r.status_code} {r.text[:120]}")
            elif team.workspace in r.text and endpoint.is_api and "not found" not in r.text:
                failures.append(f"{endpoint.method} {endpoint.path} shows the workspace: {r.text[:120]}")
    assert failures == []


def test_routes_outside_workspaces_for_a_plain_user(app, team):
    """Every route without a workspace is classified; new ones must be added to NON_ADMIN_EXPECTED."""
    failures = []
    with team.client(app, "contributor") as client:
        for endpoint in endpoints(app):
            if endpoint.in_workspace:
                continue
            expected = NON_ADMIN_EXPECTED.get(endpoint.key)
            if expected is None:
                failures.append(f"{endpoint.method} {endpoint.path}: not classified in NON_ADMIN_EXPECTED")
                continue
            r = client.request(endpoint.method, endpoint.url(values_for(team)), **body_for(endpoint, valid=True))  # type: ignore[arg-type]
            if r.status_code not in expected:
                failures.append(f"{endpoint.method} {endpoint.path} -> {r.status_code}, expected {expected}")
    assert failures == []


def test_a_run_token_reaches_only_its_own_run_and_children(app, stores, team):
    """With the token of one run, every route of another run of the same workspace is refused."""
    token = new_run_token(stores, team.run_id)
    values = {**values_for(team), "run_id": team.other_run_id}
    failures = []
    with client_of(app, token) as client:
        for endpoint in endpoints(app):
            if "run_id" not in endpoint.params:
                continue
            r = client.request(endpoint.method, endpoint.url(values), **body_for(endpoint, valid=True))  # type: ignore[arg-type]
            if r.status_code not in (403, 404):
                failures.append(f"{endpoint.method} {endpoint.path} -> {r.status_code} {r.text[:120]}")
        base = f"/api/v1/workspaces/{team.workspace}/runs"
        assert client.get(f"{base}/{team.run_id}").status_code == 200
        assert client.get(f"{base}/{team.child_id}").status_code == 200
        assert client.get(f"{base}/{team.run_id}/files/outputs/a.txt").content == b"hello"
        assert client.get(f"{base}/{team.other_run_id}").status_code == 403
        # nor the workspace's members, audit, users, tokens, or other workspaces
        assert client.get(f"/api/v1/workspaces/{team.workspace}/members").status_code == 403
        assert client.get(f"/api/v1/workspaces/{team.workspace}/audit").status_code == 403
        assert client.get("/api/v1/users").status_code == 403
        assert client.post("/api/v1/tokens", json={}).status_code == 403
        assert client.post("/api/v1/workspaces", json={"name": "from-a-run"}).status_code == 403
        assert client.post(base, json={"experiment_name": "exp"}).status_code == 403
    assert failures == []


def test_a_run_token_does_not_reach_another_workspace(app, admin, stores, team):
    from tests.security.conftest import make_team

    other = make_team(admin)
    token = new_run_token(stores, team.run_id)
    with client_of(app, token) as client:
        for endpoint in endpoints(app):
            if not endpoint.in_workspace or endpoint.key in ANONYMOUS_ALLOWED:
                continue
            values = {**values_for(other), "run_id": other.run_id}
            r = client.request(endpoint.method, endpoint.url(values), **body_for(endpoint))  # type: ignore[arg-type]
            assert r.status_code in (403, 404), (endpoint.path, r.status_code, r.text[:200])


def test_studio_login_redirect_keeps_the_page(app, team):
    with client_of(app) as client:
        r = client.get(f"/workspaces/{team.workspace}/runs?filter=a%20b")
        assert r.status_code == 303
        assert unquote(unquote(r.headers["location"])).endswith(f"/workspaces/{team.workspace}/runs?filter=a b")

