"""Studio over HTTP without a browser: status codes, headers, CSRF and previews."""

from __future__ import annotations

import io
import re
import uuid

import httpx
import pytest

from kuznia import Experiment
from kuznia.backends.http import HttpBackend
from kuznia.studio.templating import format_duration, format_number, format_size
from tests.conftest import ADMIN_TOKEN, new_workspace


@pytest.fixture
def client(server) -> httpx.Client:  # noqa: ANN001
    # a signed-in client: the server refuses Studio pages without credentials
    with httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as made:
        yield made


@pytest.fixture
def live_run(server):  # noqa: ANN001, ANN201
    ws = new_workspace(HttpBackend(server.url))
    run = Experiment(ws, "pages").start_logging(display_name="live")
    run.upload_file("outputs/a.svg", io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"))
    run.upload_file("outputs/b.png", io.BytesIO(b"\x89PNG\r\n\x1a\n"))
    run.upload_file("outputs/c.bin", io.BytesIO(b"\x00\x01\x02"))
    run.flush()
    return ws, run


def _token(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found, "the run page has no Cancel form"
    return found.group(1)


def test_pages_are_html_with_security_headers(client, live_run):  # noqa: ANN001
    ws, run = live_run
    for path in ("/", f"/workspaces/{ws.name}", f"/workspaces/{ws.name}/runs",
                 f"/workspaces/{ws.name}/experiments/pages", f"/workspaces/{ws.name}/runs/{run.id}",
                 f"/workspaces/{ws.name}/runs/{run.id}/metrics", f"/workspaces/{ws.name}/runs/{run.id}/tables",
                 f"/workspaces/{ws.name}/runs/{run.id}/files", f"/workspaces/{ws.name}/compare?runs={run.id}"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_studio_pages_stay_out_of_the_openapi_document(client):  # noqa: ANN001
    paths = client.get("/openapi.json").json()["paths"]
    assert all(p.startswith("/api/") or p == "/health" for p in paths)


def test_errors_are_pages_with_the_api_status_codes(client, live_run):  # noqa: ANN001
    ws, _ = live_run
    missing = client.get(f"/workspaces/{ws.name}/runs/nope-{uuid.uuid4().hex[:6]}")
    assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text
    assert client.get(f"/workspaces/{ws.name}/experiments/bad name!").status_code == 400
    bad_filter = client.get(f"/workspaces/{ws.name}/runs", params={"filter": "metrics.x >"})
    assert bad_filter.status_code == 400 and "position" in bad_filter.text
    assert client.get(f"/workspaces/{ws.name}?view=Nope").status_code == 400


def test_cancel_needs_the_token_of_this_browser_and_this_site(client, live_run):  # noqa: ANN001
    ws, run = live_run
    page = f"/workspaces/{ws.name}/runs/{run.id}"
    token = _token(client, page)
    assert client.post(page + "/cancel", data={}).status_code == 403
    assert client.post(page + "/cancel", data={"csrf_token": "f" * 64}).status_code == 403
    # A token is bound to its cookie: another browser's token is refused.
    with httpx.Client(base_url=str(client.base_url), headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as other:
        assert other.post(page + "/cancel", data={"csrf_token": token}).status_code == 403
    cross_site = client.post(page + "/cancel", data={"csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert ws._backend.get_run(ws.name, run.id).status == "Running"
    done = client.post(page + "/cancel", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"].endswith("?canceled=1")
    assert ws._backend.get_run(ws.name, run.id).status == "Canceled"
    again = client.post(page + "/cancel", data={"csrf_token": token})
    assert again.status_code == 409 and "already ended" in again.text


def test_raw_files_are_images_or_downloads_never_active_content(client, live_run):  # noqa: ANN001
    ws, run = live_run
    raw = f"/workspaces/{ws.name}/runs/{run.id}/raw/outputs/"
    svg = client.get(raw + "a.svg")
    assert svg.headers["content-type"] == "application/octet-stream"
    assert svg.headers["content-disposition"].startswith("attachment")
    assert svg.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in svg.headers["content-security-policy"]
    png = client.get(raw + "b.png")
    assert png.headers["content-type"] == "image/png" and png.headers["content-disposition"].startswith("inline")
    assert client.get(raw + "b.png?download=1").headers["content-disposition"].startswith("attachment")
    binary = client.get(f"/workspaces/{ws.name}/runs/{run.id}/files/outputs/c.bin")
    assert "binary file" in binary.text
    assert client.get(raw + "../secret").status_code in (400, 404)


def test_static_files_with_a_version_are_cached_for_long(client):  # noqa: ANN001
    page = client.get("/").text
    css = re.search(r'href="(/static/studio\.css\?v=[0-9a-f]+)"', page)
    assert css
    response = client.get(css.group(1))
    assert response.status_code == 200 and "immutable" in response.headers["cache-control"]


def test_number_duration_and_size_formats():
    assert format_number(0.123456789) == "0.123457"
    assert format_number(float("nan")) == "NaN" and format_number(float("-inf")) == "-∞"
    assert format_number(12345) == "12,345" and format_number(True) == "true"
    assert format_duration(5.25) == "5.2s" and format_duration(3725) == "1h 02m"
    assert format_duration(90_000) == "1d 1h"
    assert format_size(2048) == "2.0 KB"
