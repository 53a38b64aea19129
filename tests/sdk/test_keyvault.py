"""The key vault: encrypted at rest, never listed or logged in clear, masked in run logs."""

from __future__ import annotations

import os

import pytest

from kuznia import Experiment, ScriptRunConfig, Workspace
from kuznia.errors import InvalidInput, NotFound
from tests import factories

SECRET = "s3cr3t-" + os.urandom(6).hex()


def test_round_trip(ws):
    kv = ws.get_default_keyvault()
    kv.set_secret("db-password", SECRET)
    kv.set_secrets({"api.key": "k-123456", "other": "value-2"})
    assert kv.get_secret("db-password") == SECRET
    assert kv.get_secrets(["api.key", "other"]) == {"api.key": "k-123456", "other": "value-2"}
    kv.set_secret("other", "changed!")
    assert kv.get_secret("other") == "changed!"
    listed = kv.list_secrets()
    assert [s["name"] for s in listed] == ["api.key", "db-password", "other"]
    assert SECRET not in repr(listed)
    kv.delete_secret("other")
    with pytest.raises(NotFound, match="other"):
        kv.get_secret("other")
    with pytest.raises(NotFound):
        kv.delete_secret("other")


def test_bad_names_and_values_do_not_echo_the_value(ws):
    kv = ws.get_default_keyvault()
    with pytest.raises(InvalidInput, match="secret name") as caught:
        kv.set_secret("../etc", SECRET)
    assert SECRET not in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        kv.set_secret("big", SECRET + "x" * 70_000)
    assert SECRET not in str(caught.value)
    assert kv.list_secrets() == []


def test_secrets_stay_within_their_workspace(ws, backend):
    from tests.conftest import new_workspace

    ws.get_default_keyvault().set_secret("mine", SECRET)
    other = new_workspace(backend)
    with pytest.raises(NotFound):
        other.get_default_keyvault().get_secret("mine")


def test_the_database_never_holds_the_value_in_clear(tmp_path):
    ws = Workspace.create("kv", path=tmp_path / "store")
    ws.get_default_keyvault().set_secret("token", SECRET)
    for file in (tmp_path / "store").rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file


def test_a_run_reads_secrets_and_its_logs_mask_them(ws, tmp_path):
    factories.fast_compute(ws)
    ws.get_default_keyvault().set_secret("api-token", SECRET)
    src = factories.source_folder(tmp_path / "src", {"use.py": (
        "from kuznia import Run\n"
        "run = Run.get_context()\n"
        "token = run.get_secret('api-token')\n"
        "print('token is', token)\n"
        "print('length', len(token), 'ok' if token.startswith('s3cr3t-') else 'wrong')\n"
        "print(run.get_secrets(['api-token']) == {'api-token': token})\n"
    )})
    run = Experiment(ws, "kv").submit(ScriptRunConfig(src, "use.py"))
    run.wait_for_completion(timeout_seconds=120)
    log = run.get_logs()
    assert "token is ***" in log and "ok" in log and "True" in log
    assert SECRET not in log
    stored = run.download_file("logs/user_logs/std_log.txt", tmp_path / "std_log.txt").read_text()
    assert SECRET not in stored and "***" in stored
