"""The `kuznia` command, run as a real subprocess, on an embedded workspace and on a server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kuznia import Experiment, Workspace
from tests.conftest import ServerProcess


def _seed(path, name="team"):  # noqa: ANN001
    ws = Workspace.get(name, path=path)
    exp = Experiment(ws, "iris")
    with exp.start_logging(display_name="good", tags={"team": "a"}) as run:
        for i in range(50):
            run.log("loss", 1 / (i + 1))
        run.log("accuracy", 0.95)
        run.upload_file("outputs/model.txt", __file__)
        run.child_run("kid").complete()
    with exp.start_logging(display_name="bad") as other:
        other.log("accuracy", 0.5)
    live = exp.start_logging(display_name="live")
    return run, other, live


def test_workspace_commands_and_config(cli):
    created = cli("workspace", "create", "team", "--description", "our team")
    assert "Created workspace team" in created.stdout
    assert (cli.cwd / ".kuznia" / "config.json").is_file()
    shown = cli.json("workspace", "show")
    assert shown["name"] == "team" and shown["description"] == "our team"
    assert "team" in cli("workspace", "show").stdout
    assert [w["name"] for w in cli.json("workspace", "list")] == ["team"]
    again = cli("workspace", "create", "team", ok=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    bad = cli("workspace", "create", "no spaces", ok=False)
    assert bad.returncode == 2 and "workspace name" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_run_commands(cli, tmp_path):
    cli("workspace", "create", "team")
    run, other, live = _seed(tmp_path / "home" / "local")
    listed = cli.json("run", "list")
    assert [r["display_name"] for r in listed] == ["live", "bad", "good"]
    table = cli("run", "list").stdout
    assert "good" in table and "accuracy" in table
    good = cli.json("run", "list", "-f", "metrics.accuracy > 0.9")
    assert [r["id"] for r in good] == [run.id]
    ordered = cli.json("run", "list", "-o", "metrics.accuracy asc", "-s", "Completed")
    assert [r["display_name"] for r in ordered] == ["bad", "good"]
    assert len(cli.json("run", "list", "--children")) == 4
    shown = cli.json("run", "show", run.id)
    assert shown["files"] == ["outputs/model.txt"] and len(shown["children"]) == 1
    assert "outputs/model.txt" in cli("run", "show", run.id).stdout
    summaries = cli.json("run", "metrics", run.id)
    assert {s["name"]: s["count"] for s in summaries} == {"accuracy": 1, "loss": 50}
    history = cli.json("run", "metrics", run.id, "--name", "loss", "--points", "10")
    assert history["downsampled"] and len(history["steps"]) <= 10
    cli("run", "download", run.id, "--out", str(tmp_path / "dl"))
    assert (tmp_path / "dl" / "outputs" / "model.txt").read_text() == Path(__file__).read_text()
    assert "Canceled" in cli("run", "cancel", live.id).stdout
    again = cli("run", "cancel", live.id, ok=False)
    assert again.returncode == 1 and "nothing to cancel" in again.stderr
    missing = cli("run", "show", "nope", ok=False)
    assert missing.returncode == 1 and "not found" in missing.stderr
    bad = cli("run", "list", "-f", "metrics.accuracy >", ok=False)
    assert bad.returncode == 2 and "position" in bad.stderr


def test_experiment_commands(cli, tmp_path):
    cli("workspace", "create", "team")
    _seed(tmp_path / "home" / "local")
    assert [e["name"] for e in cli.json("experiment", "list")] == ["iris"]
    assert cli.json("experiment", "list")[0]["run_count"] == 4
    cli("experiment", "archive", "iris")
    assert cli.json("experiment", "list") == []
    assert [e["name"] for e in cli.json("experiment", "list", "--archived")] == ["iris"]
    cli("experiment", "restore", "iris")
    assert len(cli.json("experiment", "list", "--all")) == 1


def test_no_workspace_says_what_to_do(cli):
    result = cli("run", "list", ok=False)
    assert result.returncode == 1
    assert "kuznia workspace create" in result.stderr


def test_help_teaches():
    out = subprocess.run([sys.executable, "-m", "kuznia.cli", "run", "list", "--help"],
                         capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin"})
    assert "Example:" in out.stdout and "--filter" in out.stdout and "--json" in out.stdout


@pytest.fixture
def real_server(cli, tmp_path, postgres_url):
    """`kuznia db upgrade` + `kuznia server` as real subprocesses on PostgreSQL."""
    cli("db", "upgrade", "--database-url", postgres_url)
    env = dict(cli.env, KUZNIA_DATABASE_URL=postgres_url, KUZNIA_STORAGE_URL=str(tmp_path / "blobs"))
    server = ServerProcess(env).start()
    yield server.url
    server.stop()


def test_cli_and_sdk_against_a_real_server(cli, real_server):
    created = cli.json("workspace", "create", "remote", "--server", real_server)
    assert created["server"] == real_server
    ws = Workspace.get("remote", server=real_server)
    with Experiment(ws, "e").start_logging() as run:
        for i in range(1000):
            run.log("x", i)
    listed = cli.json("run", "list")  # found through the .kuznia/config.json just written
    assert [r["id"] for r in listed] == [run.id]
    assert listed[0]["metrics"] == {"x": 999.0}
    assert "remote" in [w["name"] for w in cli.json("workspace", "list", "--server", real_server)]


def test_db_upgrade_twice_is_fine(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    assert "was empty" in cli("db", "upgrade", "--database-url", url).stdout
    from kuznia.store.database import SCHEMA_REVISION

    assert f"was {SCHEMA_REVISION}" in cli("db", "upgrade", "--database-url", url).stdout
