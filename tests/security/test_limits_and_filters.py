"""Request bodies over the limit get 413, huge metric batches a clean 4xx; filter strings
with SQL-injection payloads get a clean 400 (or match nothing) and change nothing."""

from __future__ import annotations

import json

import pytest

from kuznia.server.app import create_app
from tests.conftest import ADMIN_TOKEN
from tests.security.conftest import MAX_BODY, MAX_FILE, client_of, make_settings


def _w(team, rest=""):  # noqa: ANN001, ANN202
    return f"/api/v1/workspaces/{team.workspace}{rest}"


# body limits ------------------------------------------------------------------------------------
def test_json_bodies_over_the_limit_get_413(admin, team):
    big = {"experiment_name": "big", "description": "x" * (MAX_BODY + 10)}
    r = admin.post(_w(team, "/runs"), json=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "PayloadTooLarge", r.text
    assert admin.get(_w(team, "/runs"), params={"experiment_name": "big"}).json()["items"] == []


def test_a_body_without_content_length_is_counted_as_it_streams(admin, team):
    def chunks():  # noqa: ANN202
        yield b'{"experiment_name": "streamed", "description": "'
        for _ in range(MAX_BODY // 65536 + 2):
            yield b"y" * 65536
        yield b'"}'

    r = admin.post(_w(team, "/runs"), content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    r = admin.post(_w(team, f"/runs/{team.run_id}/metrics"), content=chunks(),
                   headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text


def test_a_lying_content_length_does_not_help(admin, team):
    body = json.dumps({"experiment_name": "liar", "description": "z" * (MAX_BODY + 10)}).encode()

    def stream():  # noqa: ANN202
        yield body

    r = admin.post(_w(team, "/runs"), content=stream(), headers={"content-type": "application/json",
                                                                  "content-length": "20"})
    assert r.status_code in (400, 413), r.text


def test_file_uploads_have_their_own_larger_limit(admin, team):
    url = _w(team, f"/runs/{team.run_id}/files/big.bin")
    assert admin.put(url, content=b"0" * (MAX_BODY + 10)).status_code == 201  # over the JSON limit: fine
    r = admin.put(_w(team, f"/runs/{team.run_id}/files/huge.bin"), content=b"0" * (MAX_FILE + 10))
    assert r.status_code == 413
    names = [f["path"] for f in admin.get(_w(team, f"/runs/{team.run_id}/files")).json()["items"]]
    assert "huge.bin" not in names


def test_studio_forms_are_limited_too(admin, team):
    r = admin.post(f"/workspaces/{team.workspace}/runs/{team.run_id}/cancel", content=b"a=" + b"b" * (MAX_BODY + 10),
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


@pytest.fixture(scope="module")
def roomy(stores):  # noqa: ANN001, ANN201
    """An app whose body limit lets a million-point batch through to the batch checks."""
    app = create_app(stores, make_settings(max_body_bytes=64 * 1024 * 1024))
    with client_of(app, ADMIN_TOKEN) as client:
        yield client


def test_huge_metric_batches_are_bounded(roomy, team):
    url = _w(team, f"/runs/{team.run_id}/metrics")
    too_many_points = {"series": [{"name": "m", "values": [1] * 1_000_001}]}
    r = roomy.post(url, content=json.dumps(too_many_points, separators=(",", ":")),
                   headers={"content-type": "application/json"})
    assert r.status_code == 400 and "at most" in r.json()["error"]["message"], r.text[:300]
    too_many_series = {"series": [{"name": f"m{i}", "values": [1]} for i in range(10_001)]}
    r = roomy.post(url, json=too_many_series)
    assert r.status_code == 400, r.text[:300]
    huge_step = {"series": [{"name": "m", "values": [1], "steps": [10**30]}]}
    assert roomy.post(url, json=huge_step).status_code == 400
    long_name = {"series": [{"name": "n" * 100_000, "values": [1]}]}
    assert roomy.post(url, json=long_name).status_code == 400
    nested = '{"series": [' * 20_000
    r = roomy.post(url, content=nested, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text[:300]
    assert roomy.get(url).json() == []


def test_history_queries_are_bounded(admin, team):
    url = _w(team, f"/runs/{team.run_id}/metrics/history")
    assert admin.get(url, params={"name": "m", "max_points": 10**9}).status_code == 400
    assert admin.get(url, params={"name": "m", "start_step": 10**30}).status_code == 400
    assert admin.get(_w(team, "/runs"), params={"max_results": 10**9}).status_code == 400


# SQL injection ------------------------------------------------------------------------------------
FILTER_PAYLOADS = [
    "metrics.x > 0; DROP TABLE runs; --",
    "tags.a = 'x' OR 1=1 --",
    "tags.a = 'x'' OR ''1''=''1'",
    "tags.a = '' ; DELETE FROM runs WHERE '1'='1'",
    "status = 'Completed' UNION SELECT * FROM users",
    "1=1",
    "' OR '1'='1",
    "tags.a = 'x') OR (1=1",
    "experiment = 'exp' or id in (select id from runs)",
    "created_at >= 'not a date'",
    "tags.a like '%' escape '\\'",
    "tags.`a` = 'x' -- ` = 'y'",
    "properties.p = 'x'\x00 OR 1=1",
    "(" * 4000 + "status = 'Running'" + ")" * 4000,
    "not " * 2400 + "status = 'Running'",
    "tags.a = 'x' and " * 600 + "tags.a = 'x'",
]
LITERAL_PAYLOADS = [
    "metrics.x > 1e999999",
    "number <= 99999999999999999999999999999999",
    "tags.`a; DROP TABLE runs; --` = 'x'",
    "tags.a = 'x''; DROP TABLE runs; --'",
    "display_name like '%'' OR 1=1 --%'",
]
ORDER_PAYLOADS = ["created_at desc; DROP TABLE runs", "metrics.x desc, (select 1)", "1", "created_at desc --",
                  "tags.a asc nulls first; delete from runs"]


@pytest.fixture(scope="module")
def counted(admin, team):  # noqa: ANN001, ANN201
    def count() -> tuple[int, int, int]:
        runs = admin.get(_w(team, "/runs"), params={"include_children": True, "max_results": 10_000}).json()
        models = admin.post(_w(team, "/models/search"), json={"max_results": 10_000}).json()
        users = admin.get("/api/v1/users").json()
        return len(runs["items"]), len(models["items"]), len(users)

    return count


@pytest.mark.parametrize("payload", FILTER_PAYLOADS)
def test_injected_filters_get_a_clean_400_and_change_nothing(admin, team, counted, payload):
    before = counted()
    r = admin.get(_w(team, "/runs"), params={"filter": payload})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidInput", (payload[:80], r.status_code, r.text[:300])
    r = admin.post(_w(team, "/runs/search"), json={"filter": payload})
    assert r.status_code == 400, r.text[:300]
    assert counted() == before


@pytest.mark.parametrize("payload", LITERAL_PAYLOADS)
def test_quoted_payloads_are_plain_values(admin, team, counted, payload):
    before = counted()
    r = admin.get(_w(team, "/runs"), params={"filter": payload})
    assert r.status_code in (200, 400), r.text[:300]
    if r.status_code == 200 and "number" not in payload:  # (number <= 1e32 is every run)
        assert r.json()["items"] == []
    assert counted() == before


@pytest.mark.parametrize("payload", ORDER_PAYLOADS)
def test_injected_order_by_is_refused(admin, team, counted, payload):
    before = counted()
    r = admin.get(_w(team, "/runs"), params={"order_by": payload})
    assert r.status_code == 400, (payload, r.status_code, r.text[:300])
    assert counted() == before


@pytest.mark.parametrize("field", ["tags", "properties"])
def test_model_and_run_search_maps_are_bound_values(admin, team, counted, field):
    before = counted()
    for key, value in (("a'; DROP TABLE models; --", "x"), ("a", "x' OR '1'='1"), ("a", None)):
        r = admin.post(_w(team, "/models/search"), json={field: {key: value}})
        assert r.status_code in (200, 400), r.text
        if r.status_code == 200:
            assert r.json()["items"] == []
        r = admin.post(_w(team, "/runs/search"), json={field: {key: value}})
        assert r.status_code in (200, 400), r.text
        if r.status_code == 200:
            assert r.json()["items"] == []
    for name in ("x' OR '1'='1", "x; DROP TABLE models"):
        assert admin.post(_w(team, "/models/search"), json={"name": name}).status_code == 400
    assert counted() == before


def test_paging_tokens_are_not_trusted(admin, team):
    for token in ("' OR 1=1 --", "-1", "999999999999999999999999", "eyJvZmZzZXQiOiAiJyBPUiAxPTEifQ==", "\x00"):
        for url in (_w(team, "/runs"), _w(team, "/environments"), "/api/v1/workspaces", _w(team, "/audit")):
            r = admin.get(url, params={"page_token": token})
            assert r.status_code in (200, 400), (url, token, r.status_code, r.text[:200])
