"""Secrets in process: no response, log record or error message carries a secret's value,
and the database holds it only encrypted; the embedded store's folder is 0700, its key 0600."""

from __future__ import annotations

import logging
import stat
import uuid

from kuznia import Workspace
from kuznia.services.stores import open_server
from tests.security.conftest import client_of, new_run_token

SECRET = "in-process-canary-" + uuid.uuid4().hex


def test_no_response_or_log_line_carries_a_secret(app, admin, stores, team, caplog):
    caplog.set_level(logging.DEBUG)
    w = f"/api/v1/workspaces/{team.workspace}"
    bodies: list[str] = []

    def keep(r):  # noqa: ANN001, ANN202
        bodies.append(r.text + str(r.headers))
        return r

    keep(admin.put(f"{w}/secrets/canary", json={"value": SECRET}))
    keep(admin.post(f"{w}/secrets", json={"secrets": {"canary2": SECRET}}))
    keep(admin.get(f"{w}/secrets"))
    keep(admin.post(f"{w}/secrets/values", json={"names": ["canary", "nope"]}))
    keep(admin.put(f"{w}/secrets/bad%20name", json={"value": SECRET}))
    keep(admin.put(f"{w}/secrets/x", json={"value": SECRET + "\x00"}))
    keep(admin.put(f"{w}/secrets/x", json={"value": SECRET, "extra": SECRET}))
    keep(admin.put(f"{w}/secrets/x", json={"value": {"nested": SECRET}}))
    keep(admin.post(f"{w}/secrets", json={"secrets": {"../up": SECRET}}))
    keep(admin.post(f"{w}/secrets", json={"secrets": [SECRET]}))
    keep(admin.put(f"{w}/secrets/x", content=b'{"value": "' + SECRET.encode() + b'", oops}',
                   headers={"content-type": "application/json"}))
    for who in ("reader", "contributor", "outsider"):
        with team.client(app, who) as client:
            keep(client.post(f"{w}/secrets/values", json={"names": ["canary"]}))
            keep(client.put(f"{w}/secrets/canary", json={"value": SECRET}))
    with client_of(app, new_run_token(stores, team.other_run_id)) as as_run:
        got = as_run.post(f"{w}/secrets/values", json={"names": ["canary"]})
        assert got.status_code == 200 and got.json()[0]["value"] == SECRET  # the one place it may be
        keep(as_run.post(f"{w}/secrets/values", json={"names": ["canary", "missing"]}))
    keep(admin.get(f"{w}/audit", params={"max_results": 1000}))
    leaked = [b for b in bodies if SECRET in b]
    assert leaked == []
    assert SECRET not in caplog.text
    for record in caplog.records:
        assert SECRET not in record.getMessage() and SECRET not in str(record.args)


def test_the_database_holds_secrets_only_encrypted(tmp_path):
    ws = Workspace.create("enc", path=tmp_path / "store")
    ws.get_default_keyvault().set_secret("token", SECRET)
    for file in (tmp_path / "store").rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file


def test_an_embedded_workspace_folder_is_private(tmp_path):
    Workspace.create("perm", path=tmp_path / "ws")
    folder = tmp_path / "ws"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    key = folder / "secret.key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    # the database of the store is inside the private folder
    assert any(p.name.endswith(".db") for p in folder.iterdir())


def test_an_embedded_folder_is_private_even_with_a_lax_umask(tmp_path):
    import os

    old = os.umask(0)
    try:
        Workspace.create("lax", path=tmp_path / "lax" / "nested")
    finally:
        os.umask(old)
    folder = tmp_path / "lax" / "nested"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "secret.key").stat().st_mode) == 0o600


def test_a_servers_key_file_is_0600(tmp_path):
    stores = open_server(f"sqlite:///{tmp_path / 'kuznia.db'}", str(tmp_path / "blobs"), tmp_path / "keys" / "k.key")
    try:
        assert stat.S_IMODE((tmp_path / "keys" / "k.key").stat().st_mode) == 0o600
    finally:
        stores.close()
