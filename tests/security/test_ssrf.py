"""SSRF: package indexes and package URLs the server would fetch may not point at loopback,
link-local (cloud metadata), private or other internal addresses, nor be file:// — a clear
400 wherever a spec reaches the server (environment register, script run submit, deploy),
unless KUZNIA_ALLOW_PRIVATE_URLS / KUZNIA_ALLOWED_URL_HOSTS allow it."""

from __future__ import annotations

import hashlib

import pytest

from kuznia.entities.environments import EnvironmentSpec
from kuznia.environments.cache import check_fetch_targets
from kuznia.errors import InvalidInput

INTERNAL = [
    "http://127.0.0.1/simple", "http://localhost:8080/simple", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.7/simple", "http://172.16.3.4/simple", "http://192.168.1.1/simple", "http://[::1]/simple",
    "http://[::ffff:127.0.0.1]/simple", "http://0.0.0.0/simple", "http://127.1/simple", "http://2130706433/simple",
    "http://0x7f000001/simple", "http://user:pw@127.0.0.1/simple", "https://127.0.0.1:8443/simple",
    "http://[fe80::1]/simple", "http://100.64.0.1/simple", "http://224.0.0.1/simple",
]
NOT_HTTP = ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:25/x", "http:///nohost", "//127.0.0.1/x"]


def _spec(index: str | None = None, extra: list[str] | None = None, packages: list[str] | None = None) -> dict:
    python: dict = {"pip_packages": packages or []}
    if index is not None:
        python["pip_index_url"] = index
    if extra is not None:
        python["pip_extra_index_urls"] = extra
    return {"name": "ssrf", "python": python}


def _spec_variants(url: str) -> list[dict]:
    return [_spec(index=url), _spec(extra=[url]), _spec(packages=[f"evilpkg @ {url}/evilpkg-1.0.tar.gz"])]


@pytest.fixture(autouse=True)
def _no_allowances(monkeypatch):  # noqa: ANN001, ANN202
    monkeypatch.delenv("KUZNIA_ALLOW_PRIVATE_URLS", raising=False)
    monkeypatch.delenv("KUZNIA_ALLOWED_URL_HOSTS", raising=False)


@pytest.mark.parametrize("url", INTERNAL + NOT_HTTP)
def test_environment_register_refuses_internal_urls(admin, team, url):
    for body in _spec_variants(url):
        r = admin.post(f"/api/v1/workspaces/{team.workspace}/environments", json=body)
        assert r.status_code == 400, (body, r.text)
        message = r.json()["error"]["message"]
        assert "internal address" in message or "http(s)" in message or "cannot be resolved" in message \
            or "not a valid requirement" in message, message
    assert admin.get(f"/api/v1/workspaces/{team.workspace}/environments/ssrf").status_code == 404


def test_a_public_address_is_accepted(admin, team):
    r = admin.post(f"/api/v1/workspaces/{team.workspace}/environments",
                   json={**_spec(index="https://8.8.8.8/simple"), "name": "public"})  # a literal address: no DNS needed here
    assert r.status_code == 200, r.text


def test_admins_can_allow_private_urls(monkeypatch):
    spec = EnvironmentSpec.model_validate(_spec(index="http://127.0.0.1:3141/simple"))
    with pytest.raises(InvalidInput, match="internal address"):
        check_fetch_targets(spec)
    monkeypatch.setenv("KUZNIA_ALLOW_PRIVATE_URLS", "1")
    check_fetch_targets(spec)


def test_admins_can_allow_one_host(monkeypatch):
    monkeypatch.setenv("KUZNIA_ALLOWED_URL_HOSTS", "pypi.internal, 127.0.0.1")
    check_fetch_targets(EnvironmentSpec.model_validate(_spec(index="http://127.0.0.1:3141/simple")))
    with pytest.raises(InvalidInput, match="169.254.169.254"):
        check_fetch_targets(EnvironmentSpec.model_validate(_spec(extra=["http://169.254.169.254/"])))
    with pytest.raises(InvalidInput):
        check_fetch_targets(EnvironmentSpec.model_validate(_spec(index="http://localhost/simple")))


def test_allowance_through_the_api(admin, team, monkeypatch):
    monkeypatch.setenv("KUZNIA_ALLOWED_URL_HOSTS", "127.0.0.1")
    r = admin.post(f"/api/v1/workspaces/{team.workspace}/environments",
                   json={"name": "mirror", "python": {"pip_index_url": "http://127.0.0.1:3141/simple"}})
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def snapshot_with_script(admin, team) -> str:  # noqa: ANN001
    data = b"print('hello')\n"
    digest = hashlib.sha256(data).hexdigest()
    w = f"/api/v1/workspaces/{team.workspace}"
    assert admin.put(f"{w}/blobs/{digest}", content=data).status_code == 201
    snap = admin.post(f"{w}/snapshots", json={"entries": [{"path": "train.py", "digest": digest, "size": len(data),
                                                           "mode": 0o644}]})
    assert snap.status_code == 201
    return snap.json()["id"]


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/", "http://127.0.0.1:6379/", "file:///etc/passwd"])
def test_run_submit_refuses_inline_environments_with_internal_urls(admin, team, snapshot_with_script, url):
    w = f"/api/v1/workspaces/{team.workspace}"
    before = admin.get(f"{w}/runs", params={"experiment_name": "ssrf-submit"}).json()["items"]
    for environment in _spec_variants(url):
        r = admin.post(f"{w}/runs/submit", json={
            "experiment_name": "ssrf-submit", "snapshot_id": snapshot_with_script,
            "definition": {"script": "train.py", "environment": environment}})
        assert r.status_code == 400, (environment, r.status_code, r.text)
    assert admin.get(f"{w}/runs", params={"experiment_name": "ssrf-submit"}).json()["items"] == before


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/", "http://10.1.2.3/simple"])
def test_deploy_refuses_environments_with_internal_urls(admin, team, snapshot_with_script, url):
    w = f"/api/v1/workspaces/{team.workspace}"
    model = admin.post(f"{w}/models", json={"name": "ssrf-model", "run_id": team.run_id, "run_path": "outputs/a.txt"})
    assert model.status_code == 201
    for environment in _spec_variants(url):
        r = admin.post(f"{w}/endpoints", json={
            "name": "ssrf-svc", "models": [f"ssrf-model:{model.json()['version']}"],
            "inference": {"entry_script": "train.py", "snapshot_id": snapshot_with_script,
                          "environment": environment}})
        if r.status_code == 201:  # a regression: stop what an embedded store starts for it
            admin.delete(f"{w}/endpoints/ssrf-svc")
        assert r.status_code == 400, (environment, r.status_code, r.text)
    assert admin.get(f"{w}/endpoints/ssrf-svc").status_code == 404
