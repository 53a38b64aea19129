"""Studio: signing in with a token sets an HttpOnly, SameSite session cookie; every POST form
needs its CSRF token (and a same-site Origin); signing out clears the session."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import client_of


def _csrf(page_text: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page_text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def _sign_in(app, token: str, next_page: str = "/"):  # noqa: ANN001, ANN202
    client = client_of(app)
    page = client.get("/login")
    assert page.status_code == 200
    r = client.post("/login", data={"token": token, "next": next_page, "csrf_token": _csrf(page.text)})
    return client, r


def test_sign_in_sets_a_safe_session_cookie(app, team):
    client, r = _sign_in(app, team.tokens["reader"], f"/workspaces/{team.workspace}")
    assert r.status_code == 303 and r.headers["location"] == f"/workspaces/{team.workspace}"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("kuznia_session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert re.search(r"samesite=(strict|lax)", cookie, re.I)
    assert team.tokens["reader"] not in cookie  # the cookie names the token, it does not hold it
    page = client.get(f"/workspaces/{team.workspace}")
    assert page.status_code == 200 and team.users["reader"] in page.text
    assert team.tokens["reader"] not in page.text
    client.close()


@pytest.mark.parametrize("token", ["kzu_wrong-token-0123456789abcdefghijkl", "", "kzr_run-token-not-a-user-token"])
def test_a_bad_token_does_not_sign_in(app, token):
    client = client_of(app)
    page = client.get("/login")
    r = client.post("/login", data={"token": token, "csrf_token": _csrf(page.text)})
    assert r.status_code in (400, 401)
    assert "kuznia_session" not in r.headers.get("set-cookie", "")
    client.close()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(app, team, target):
    client, r = _sign_in(app, team.tokens["reader"], target)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert urlsplit(location).netloc == "" and urlsplit(location).scheme == ""
    client.close()


def test_forms_without_their_csrf_token_are_refused(app, team):
    client, _ = _sign_in(app, team.tokens["contributor"])
    run = f"/workspaces/{team.workspace}/runs/{team.child_id}"
    page = client.get(run)
    token = _csrf(page.text)
    for data, headers in (
        ({}, {}),
        ({"csrf_token": ""}, {}),
        ({"csrf_token": "0" * 64}, {}),
        ({"csrf_token": token}, {"origin": "https://evil.example"}),
    ):
        r = client.post(f"{run}/cancel", data=data, headers=headers)
        assert r.status_code == 403, (data, headers, r.status_code)
    assert client.get(f"/api/v1/workspaces/{team.workspace}/runs/{team.child_id}",
                      headers={"Authorization": f"Bearer {team.tokens['contributor']}"}).json()["status"] == "Running"
    # another browser's token is no good either
    other, _ = _sign_in(app, team.tokens["contributor"])
    other_token = _csrf(other.get(run).text)
    other.close()
    assert client.post(f"{run}/cancel", data={"csrf_token": other_token}).status_code == 403
    client.close()


def test_sign_in_and_out_forms_need_their_csrf_token_too(app, team):
    """Signing a victim in as someone else (login CSRF) or out (logout CSRF) from another site."""
    client = client_of(app)
    r = client.post("/login", data={"token": team.tokens["reader"], "next": "/"})
    assert r.status_code in (400, 403) and "kuznia_session" not in r.headers.get("set-cookie", "")
    client.close()
    client, _ = _sign_in(app, team.tokens["reader"])
    r = client.post("/logout")
    assert r.status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    client.close()


def test_sign_out_clears_the_session(app, team):
    client, _ = _sign_in(app, team.tokens["reader"])
    page = client.get("/")
    assert page.status_code == 200
    r = client.post("/logout", data={"csrf_token": _csrf(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    cleared = next(c for c in r.headers.get_list("set-cookie") if c.startswith("kuznia_session="))
    assert 'kuznia_session=""' in cleared or "max-age=0" in cleared.lower()
    assert client.get("/").status_code == 303  # back to the sign-in page
    client.close()


def test_a_session_ends_with_its_token(app, admin, team):
    from tests.security.conftest import new_user

    name, token = new_user(admin, "session")
    client, _ = _sign_in(app, token)
    assert client.get("/").status_code == 200
    mine = admin.get("/api/v1/tokens", params={"user": name}).json()[0]
    assert admin.post(f"/api/v1/tokens/{mine['id']}/revoke").status_code == 200
    assert client.get("/").status_code == 303
    client.close()
    client, _ = _sign_in(app, new_user(admin, "session2")[1])
    assert client.get("/").status_code == 200
    client.close()


def test_a_reader_sees_no_cancel_button_and_cannot_cancel(app, team):
    client, _ = _sign_in(app, team.tokens["reader"])
    run = f"/workspaces/{team.workspace}/runs/{team.child_id}"
    page = client.get(run)
    assert page.status_code == 200
    assert 'action="' + run + '/cancel"' not in page.text
    r = client.post(f"{run}/cancel", data={"csrf_token": _csrf(page.text)})
    assert r.status_code == 403
    client.close()


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_studio_escapes_what_users_store_and_send(app, admin, team):
    w = f"/api/v1/workspaces/{team.workspace}"
    run = admin.post(f"{w}/runs", json={"experiment_name": "xss", "display_name": XSS[:60], "description": XSS,
                                        "tags": {"t": XSS}, "properties": {"p": XSS}}).json()
    admin.put(f"{w}/runs/{run['id']}/files/page.html", content=XSS.encode())
    admin.put(f"{w}/runs/{run['id']}/files/notes.txt", content=XSS.encode())
    admin.post(f"{w}/runs/{run['id']}/metric-records", json={"name": "tbl", "kind": "table", "value": {"c": [XSS]}})
    base = f"/workspaces/{team.workspace}"
    pages = [f"{base}/runs/{run['id']}", f"{base}/runs/{run['id']}/tables", f"{base}/runs/{run['id']}/files",
             f"{base}/runs/{run['id']}/files/notes.txt", f"{base}/runs/{run['id']}/files/page.html",
             f"{base}/experiments/xss", f"{base}/runs", f"{base}/compare?runs={run['id']}"]
    reflected = [f"{base}/runs?filter=" + XSS, f"{base}/runs?q=" + XSS, f"{base}/runs?order=" + XSS,
                 f"{base}/runs?columns=" + XSS, "/login?next=/" + XSS, f"{base}/compare?experiment=" + XSS]
    for url in pages + reflected:
        r = admin.get(url)
        assert r.status_code < 500, (url, r.status_code)
        assert "<script>alert(1)" not in r.text and "onerror=alert(2)>" not in r.text, url
    raw = admin.get(f"{base}/runs/{run['id']}/raw/page.html")
    assert raw.headers["content-type"].split(";")[0] != "text/html"
    assert "attachment" in raw.headers["content-disposition"] and "sandbox" in raw.headers["content-security-policy"]
    assert raw.headers["x-content-type-options"] == "nosniff"


def test_a_browser_session_only_reads_the_api(app, team):
    """The API takes Studio's cookie for the charts' GETs; a write with only a cookie could be
    a cross-site request (CSRF), so it needs a bearer token."""
    client, _ = _sign_in(app, team.tokens["contributor"])
    w = f"/api/v1/workspaces/{team.workspace}"
    assert client.get(f"{w}/runs").status_code == 200
    before = len(client.get(f"{w}/runs", params={"max_results": 1000}).json()["items"])
    for method, url, body in (("POST", f"{w}/runs", {"experiment_name": "csrf"}),
                              ("PATCH", f"{w}/runs/{team.run_id}/tags", {"set": {"csrf": "yes"}}),
                              ("POST", "/api/v1/tokens", {"name": "stolen"}),
                              ("POST", f"{w}/secrets/values", {"names": ["x"]})):
        r = client.request(method, url, json=body, headers={"origin": "https://evil.example"})
        assert r.status_code == 403, (method, url, r.status_code, r.text)
        r = client.request(method, url, json=body)
        assert r.status_code == 403, (method, url, r.status_code, r.text)
    assert len(client.get(f"{w}/runs", params={"max_results": 1000}).json()["items"]) == before
    assert "csrf" not in client.get(f"{w}/runs/{team.run_id}").json()["tags"]
    client.close()


def test_the_single_user_studio_refuses_other_sites_and_other_host_names(stores, admin, team):
    """`kuznia studio` has no login (loopback, one user): a page on another site must not
    change anything through it (CSRF), nor read it through a rebound DNS name."""
    from kuznia.server.app import create_app
    from tests.security.conftest import make_settings

    local = create_app(stores, make_settings(auth_required=False))
    prune = f"/api/v1/workspaces/{team.workspace}/environment-cache/prune"
    with TestClient(local, base_url="http://127.0.0.1:8766", raise_server_exceptions=False,
                    follow_redirects=False) as client:
        assert client.get("/").status_code == 200
        assert client.get(f"/workspaces/{team.workspace}/runs").status_code == 200
        assert client.post(prune, headers={"origin": "https://evil.example"}).status_code == 403
        assert client.post(prune, headers={"origin": "null"}).status_code == 403
        r = client.post(f"/api/v1/workspaces/{team.workspace}/runs/{team.child_id}/cancel",
                        headers={"origin": "http://127.0.0.1:8766.evil.example"})
        assert r.status_code == 403
        assert client.post(prune, headers={"origin": "http://127.0.0.1:8766"}).status_code == 200
        assert client.post(prune).status_code == 200  # the SDK and CLI send no Origin
        for host in ("evil.example", "evil.example:8766", "127.0.0.1.evil.example:8766", "0.0.0.0:8766"):
            r = client.get("/api/v1/workspaces", headers={"host": host})
            assert r.status_code == 403, host
            assert client.get("/", headers={"host": host}).status_code == 403, host
        assert client.get("/api/v1/workspaces", headers={"host": "localhost:8766"}).status_code == 200
    assert admin.get(f"/api/v1/workspaces/{team.workspace}/runs/{team.child_id}").json()["status"] == "Running"


@pytest.mark.parametrize("token", ["\u00e9" * 64, "\x00", "0" * 10_000])
def test_odd_csrf_tokens_are_refused_cleanly(app, team, token):
    client = client_of(app)
    client.get("/login")
    r = client.post("/login", data={"token": team.tokens["reader"], "csrf_token": token})
    assert r.status_code in (400, 403), r.status_code
    signed_in, _ = _sign_in(app, team.tokens["contributor"])
    run = f"/workspaces/{team.workspace}/runs/{team.child_id}"
    signed_in.get(run)
    assert signed_in.post(f"{run}/cancel", data={"csrf_token": token}).status_code in (400, 403)
    client.close()
    signed_in.close()
