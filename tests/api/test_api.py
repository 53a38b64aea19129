"""The REST API itself: error shape, status codes, limits, paging, OpenAPI."""

from __future__ import annotations

import pytest

from kuznia.entities.metrics import MAX_HISTORY_NAMES


def test_health_and_openapi(api, server):
    import httpx

    from tests.conftest import ADMIN_TOKEN

    assert httpx.get(server.url + "/health").json()["status"] == "ok"  # the one open route
    assert httpx.get(server.url + "/openapi.json").status_code == 401
    spec = httpx.get(server.url + "/openapi.json", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert "/api/v1/workspaces/{workspace}/runs/{run_id}/metrics" in spec["paths"]


def test_errors_are_json_with_a_code(api, api_ws):
    r = api.get(f"/workspaces/{api_ws}/runs/nope")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "NotFound", "message": f"run 'nope' not found in workspace '{api_ws}'"}}
    r = api.get("/workspaces/ghost/runs/x")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NotFound"
    r = api.get("/no/such/route")
    assert r.status_code == 404 and "error" in r.json()
    r = api.delete(f"/workspaces/{api_ws}")
    assert r.status_code == 405 and r.json()["error"]["code"] == "MethodNotAllowed"


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "experiment_name"),
        ({"experiment_name": 5}, "experiment_name"),
        ({"experiment_name": "a b"}, "experiment_name"),
        ({"experiment_name": "e", "status": "Completed"}, "status"),
        ({"experiment_name": "e", "tags": {"k": 1}}, "tags"),
        ({"experiment_name": "e", "surprise": True}, "surprise"),
        ({"experiment_name": "e", "parent_run_id": "../x"}, "parent_run_id"),
    ],
)
def test_bad_run_bodies_name_the_field_and_create_nothing(api, api_ws, body, field):
    r = api.post(f"/workspaces/{api_ws}/runs", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "InvalidInput"
    assert field in r.json()["error"]["message"]
    assert api.get(f"/workspaces/{api_ws}/runs").json()["items"] == []


def test_malformed_json_and_wrong_types(api, api_ws):
    r = api.post(f"/workspaces/{api_ws}/runs", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidInput"
    run = api.post(f"/workspaces/{api_ws}/runs", json={"experiment_name": "e"}).json()
    r = api.post(f"/workspaces/{api_ws}/runs/{run['id']}/metrics", json={"series": [{"name": "a", "values": ["x"]}]})
    assert r.status_code == 400 and "values" in r.json()["error"]["message"]
    r = api.post(f"/workspaces/{api_ws}/runs/{run['id']}/metrics",
                 json={"series": [{"name": "a", "values": [1, 2], "steps": [1]}]})
    assert r.status_code == 400 and "1 steps for 2 values" in r.json()["error"]["message"]
    r = api.get(f"/workspaces/{api_ws}/runs", params={"max_results": 0})
    assert r.status_code == 400 and "max_results" in r.json()["error"]["message"]
    r = api.get(f"/workspaces/{api_ws}/runs", params={"page_token": "garbage!"})
    assert r.status_code == 400 and "page_token" in r.json()["error"]["message"]
    assert api.get(f"/workspaces/{api_ws}/runs/{run['id']}/metrics").json() == []


def test_oversized_bodies_get_413(api, api_ws, server_settings):
    run = api.post(f"/workspaces/{api_ws}/runs", json={"experiment_name": "e"}).json()
    big = b'{"series": [{"name": "a", "values": [' + b"1," * (server_settings.max_body_bytes // 2) + b"1]}]}"
    r = api.post(f"/workspaces/{api_ws}/runs/{run['id']}/metrics", content=big,
                 headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "PayloadTooLarge"

    def chunked():
        for _ in range(server_settings.max_body_bytes // 65536 + 2):
            yield b" " * 65536

    r = api.post(f"/workspaces/{api_ws}/runs", content=chunked(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert api.get(f"/workspaces/{api_ws}/runs/{run['id']}/metrics").json() == []


def test_file_routes_refuse_traversal(api, api_ws):
    run = api.post(f"/workspaces/{api_ws}/runs", json={"experiment_name": "e"}).json()
    base = f"/workspaces/{api_ws}/runs/{run['id']}/files/"
    for path in ["..%2F..%2Fetc%2Fpasswd", "a/..%2F..%2Fx", "%2Fetc%2Fpasswd", "a%5C..%5Cb", "a%00b"]:
        r = api.put(base + path, content=b"x")
        assert r.status_code in (400, 404), (path, r.status_code)
        assert r.json()["error"]["code"] in ("InvalidInput", "NotFound")
    assert api.get(base.rstrip("/")).json()["items"] == []


def test_nan_travels_as_json_constants(api, api_ws):
    run = api.post(f"/workspaces/{api_ws}/runs", json={"experiment_name": "e"}).json()
    r = api.post(f"/workspaces/{api_ws}/runs/{run['id']}/metrics",
                 content=b'{"series":[{"name":"l","values":[1.0, NaN, Infinity, -Infinity]}]}',
                 headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json() == {"stored": 4}
    text = api.get(f"/workspaces/{api_ws}/runs/{run['id']}/metrics/history", params={"name": "l"}).text
    assert "[1.0,NaN,Infinity,-Infinity]" in text


def test_histories_of_several_metrics_in_one_request(api, api_ws):
    run = api.post(f"/workspaces/{api_ws}/runs", json={"experiment_name": "e"}).json()
    base = f"/workspaces/{api_ws}/runs/{run['id']}/metrics"
    api.post(base, json={"series": [{"name": "a", "values": list(range(10))}, {"name": "b", "values": [0.5, 1.5]}]})
    body = api.get(f"{base}/histories", params=[("name", "b"), ("name", "a"), ("name", "b"), ("name", "none"),
                                                 ("max_points", 4)]).json()
    assert [(h["name"], len(h["values"]), h["total_count"], h["downsampled"]) for h in body] == [
        ("b", 2, 2, False), ("a", 4, 10, True), ("none", 0, 0, False)]
    too_many = api.get(f"{base}/histories", params=[("name", f"m{i}") for i in range(MAX_HISTORY_NAMES + 1)])
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "InvalidInput"
    assert api.get(f"{base}/histories").status_code == 400


def test_get_runs_with_query_parameters(api, api_ws):
    for i in range(3):
        run = api.post(f"/workspaces/{api_ws}/runs", json={"experiment_name": "e", "tags": {"i": str(i)}}).json()
        api.post(f"/workspaces/{api_ws}/runs/{run['id']}/metrics", json={"series": [{"name": "acc", "values": [i]}]})
    r = api.get(f"/workspaces/{api_ws}/runs",
                params={"filter": "metrics.acc >= 1", "order_by": "metrics.acc asc", "max_results": 1})
    body = r.json()
    assert [x["tags"]["i"] for x in body["items"]] == ["1"] and body["next_page_token"]
    nxt = api.get(f"/workspaces/{api_ws}/runs", params={"filter": "metrics.acc >= 1", "order_by": "metrics.acc asc",
                                                        "max_results": 1, "page_token": body["next_page_token"]})
    assert [x["tags"]["i"] for x in nxt.json()["items"]] == ["2"]
