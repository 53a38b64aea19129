"""Studio's pages of run logs, models, endpoints, environments, compute and secrets,
over HTTP without a browser, for an owner (the admin) and for a reader."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from kuznia import Environment, Experiment, InferenceConfig, Model
from kuznia.backends.http import HttpBackend
from kuznia.entities.users import MemberSet, Role, TokenCreate, UserCreate
from kuznia.sdk.run import Run
from kuznia.sdk.workspace import Workspace
from kuznia.services import users, workspaces
from kuznia.services.stores import Stores
from tests import factories
from tests.conftest import ADMIN_TOKEN, new_workspace

SECRET_VALUE = "s3cr3t-value-that-must-never-show"


@dataclass
class Assets:
    ws: Workspace
    run: Run
    model: Model

    @property
    def run_id(self) -> str:
        return self.run.id


def reader_token(stores: Stores, workspace: str) -> str:
    """A new user with the reader role in ``workspace``; returns their API token."""
    admin = users.authenticate(stores, ADMIN_TOKEN)
    assert admin is not None
    name = f"reader-{uuid.uuid4().hex[:8]}"
    users.create_user(stores, admin, UserCreate(name=name))
    token = users.create_token(stores, admin, TokenCreate(user=name)).token
    users.set_member(workspaces.open_scope(stores, workspace, admin), MemberSet(user=name, role=Role.READER))
    return token


@pytest.fixture
def assets(server, tmp_path) -> Assets:  # noqa: ANN001
    ws = new_workspace(HttpBackend(server.url))
    run = Experiment(ws, "trainer").start_logging(display_name="training")
    run.upload_file("outputs/model.txt", io.BytesIO(b"weights"))
    model = run.register_model("clf", model_path="outputs/model.txt", tags={"stage": "dev"},
                               properties={"accuracy": "0.97"})
    (tmp_path / "requirements.txt").write_text("numpy>=1.20\nrequests\n")
    Environment.from_pip_requirements("sk-env", tmp_path / "requirements.txt").register(ws)
    system = Environment("system-python")
    system.python.user_managed_dependencies = True
    system.register(ws)
    ws.get_default_keyvault().set_secret("db-password", SECRET_VALUE)
    return Assets(ws=ws, run=run, model=model)


@pytest.fixture
def owner(server) -> Iterator[httpx.Client]:  # noqa: ANN001
    with factories.signed_in(server.url) as client:
        yield client


def test_every_new_page_renders_for_an_owner(owner, assets, api):  # noqa: ANN001
    name = assets.ws.name
    api.post(f"/workspaces/{name}/runs/{assets.run_id}/logs/user_logs/std_log.txt",
             json={"offset": 0, "text": "epoch 1 <b>loss</b> 0.5\n"}).raise_for_status()
    for path in (f"/workspaces/{name}/models", f"/workspaces/{name}/models/clf",
                 f"/workspaces/{name}/models/clf/versions/1", f"/workspaces/{name}/endpoints",
                 f"/workspaces/{name}/environments", f"/workspaces/{name}/compute", f"/workspaces/{name}/secrets",
                 f"/workspaces/{name}/runs/{assets.run_id}/logs"):
        response = owner.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert f'href="/workspaces/{name}/endpoints"' in response.text  # the workspace nav
    logs = owner.get(f"/workspaces/{name}/runs/{assets.run_id}/logs").text
    assert "epoch 1 &lt;b&gt;loss&lt;/b&gt; 0.5" in logs and 'data-complete="false"' in logs
    model_page = owner.get(f"/workspaces/{name}/models/clf").text
    assert f"run {assets.run_id}" in model_page and "accuracy" in model_page and "stage" in model_page
    download = owner.get(f"/workspaces/{name}/models/clf/versions/1/files/model.txt")
    assert download.content == b"weights" and download.headers["content-disposition"].startswith("attachment")
    archive = owner.get(f"/workspaces/{name}/models/clf/versions/1/download")
    assert archive.headers["content-type"] == "application/zip" and archive.content[:2] == b"PK"
    environments = owner.get(f"/workspaces/{name}/environments").text
    assert "sk-env" in environments and "numpy&gt;=1.20" in environments and "not built yet" in environments
    assert "none (user-managed)" in environments
    assert "local" in owner.get(f"/workspaces/{name}/compute").text
    secrets = owner.get(f"/workspaces/{name}/secrets").text
    assert "db-password" in secrets and SECRET_VALUE not in secrets
    assert owner.get(f"/workspaces/{name}/models/nope").status_code == 404
    assert owner.get(f"/workspaces/{name}/endpoints/nope").status_code == 404
    assert owner.get(f"/workspaces/{name}/runs/{assets.run_id}/logs?stream=../x").status_code == 400


def test_finished_run_logs_come_from_the_stream_and_uploaded_files(owner, assets, api):  # noqa: ANN001
    name = assets.ws.name
    base = f"/workspaces/{name}/runs/{assets.run_id}"
    for stream, text in (("kuznia/bootstrap.log", "started\n"), ("user_logs/std_log.txt", "hello\n")):
        api.post(f"{base}/logs/{stream}", json={"offset": 0, "text": text}).raise_for_status()
    assets.run.upload_file("logs/extra/notes.log", io.BytesIO(b"written by the script\n"))
    assets.run.complete()
    page = owner.get(base + "/logs?stream=kuznia/bootstrap.log").text
    assert "started" in page and "this is the whole log" in page
    assert "logs.js" not in page  # nothing to follow once the run ended
    streams = owner.get(base + "/logs").text  # the script's output first, then Kuźnia's, then the rest
    assert streams.index("user_logs/std_log.txt") < streams.index("kuznia/bootstrap.log") < streams.index("extra/")
    assert "hello" in streams
    uploaded = owner.get(base + "/logs?stream=extra/notes.log").text
    assert "written by the script" in uploaded and "Download" in uploaded
    assert owner.get(base + "/logs?stream=no/such.log").status_code == 404  # the run ended: it never will be


def test_a_reader_sees_pages_without_write_buttons_keys_or_secret_values(server, stores, assets):  # noqa: ANN001
    name = assets.ws.name
    with factories.signed_in(server.url, reader_token(stores, name)) as reader:
        run_page = reader.get(f"/workspaces/{name}/runs/{assets.run_id}/logs")
        assert run_page.status_code == 200 and "Cancel run" not in run_page.text
        for path in ("models", "models/clf", "environments", "compute", "secrets", "endpoints"):
            page = reader.get(f"/workspaces/{name}/{path}")
            assert page.status_code == 200, (path, page.text[:300])
            assert SECRET_VALUE not in page.text
            assert "kuznia environment prune" not in page.text and "kuznia secret set" not in page.text


@pytest.fixture
def endpoint(assets, tmp_path) -> Iterator[object]:  # noqa: ANN001
    src = factories.source_folder(tmp_path / "scoring", {"score.py": factories.ECHO_SCORE})
    service = Model.deploy(assets.ws, f"echo-{uuid.uuid4().hex[:6]}", [assets.model],
                           InferenceConfig("score.py", source_directory=src))
    try:
        yield service
    finally:
        service.delete()


def test_endpoint_page_keys_for_owners_only_and_try_it_needs_the_csrf_token(  # noqa: ANN001
        server, stores, owner, assets, endpoint):
    name, service = assets.ws.name, endpoint
    url = f"/workspaces/{name}/endpoints/{service.name}"
    page = owner.get(url)
    assert page.status_code == 200
    primary, _ = service.get_keys()
    assert primary in page.text and "Try it" in page.text
    listing = owner.get(f"/workspaces/{name}/endpoints").text
    assert service.name in listing and "clf:1" in listing
    service.wait_for_deployment(timeout_sec=180)
    token = re.search(r'data-csrf="([0-9a-f]+)"', page.text)
    assert token
    body = b'{"data": [[1, 2], [3, 4]]}'
    refused = owner.post(url + "/score", content=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "Forbidden"
    cross = owner.post(url + "/score", content=body, headers={"X-CSRF-Token": token.group(1),
                                                              "Origin": "https://evil.example"})
    assert cross.status_code == 403
    scored = owner.post(url + "/score", content=body, headers={"X-CSRF-Token": token.group(1)})
    assert scored.status_code == 200, scored.text
    assert scored.json() == {"echo": {"data": [[1, 2], [3, 4]]}, "n": 2}
    with factories.signed_in(server.url, reader_token(stores, name)) as reader:
        seen = reader.get(url)
        assert seen.status_code == 200 and primary not in seen.text and "Only owners" in seen.text
        reader_token_value = re.search(r'data-csrf="([0-9a-f]+)"', seen.text)
        assert reader_token_value
        # Scoring is reading: a reader may try the endpoint, as with their API token.
        tried = reader.post(url + "/score", content=body, headers={"X-CSRF-Token": reader_token_value.group(1)})
        assert tried.status_code == 200 and tried.json()["n"] == 2
    page = owner.get(url).text
    assert "Healthy" in page and "echo ready" in page  # state and replica logs
