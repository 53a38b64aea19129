"""Workspaces: embedded folders, config files, and workspaces on a server."""

from __future__ import annotations

import json
import os
import stat

import pytest

from kuznia import Experiment, Workspace
from kuznia.errors import Conflict, InvalidInput, NotFound


def test_embedded_workspace_is_a_private_folder(tmp_path):
    ws = Workspace.create("vision", path=tmp_path / "store")
    folder = tmp_path / "store"
    assert (folder / "kuznia.db").is_file() and (folder / "blobs").is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "secret.key").stat().st_mode) == 0o600
    assert ws.location == {"path": str(folder.resolve())}
    assert Workspace.get("vision", path=folder).id == ws.id
    assert list(Workspace.list(path=folder)) == ["vision"]


def test_create_twice_is_a_conflict_unless_exist_ok(tmp_path):
    Workspace.create("a", path=tmp_path)
    with pytest.raises(Conflict, match="already exists"):
        Workspace.create("a", path=tmp_path)
    assert Workspace.create("a", path=tmp_path, exist_ok=True).name == "a"


def test_bad_names_and_missing_workspaces(tmp_path):
    with pytest.raises(InvalidInput, match="workspace name"):
        Workspace.create("no spaces", path=tmp_path / "s")
    Workspace.create("real", path=tmp_path / "s")
    with pytest.raises(NotFound, match="workspace 'ghost' not found"):
        Workspace.get("ghost", path=tmp_path / "s")
    with pytest.raises(NotFound, match="no Kuźnia workspace store"):
        Workspace.get("real", path=tmp_path / "empty")
    assert not (tmp_path / "empty").exists()


def test_default_store_lives_in_kuznia_home():
    ws = Workspace.create("home")
    assert ws.location["path"] == os.path.join(os.environ["KUZNIA_HOME"], "local")
    assert Workspace.get("home").id == ws.id


def test_config_is_found_walking_up(tmp_path, monkeypatch):
    project = tmp_path / "project"
    ws = Workspace.create("proj", path=project / "store")
    written = ws.write_config(project)
    assert written == project / ".kuznia" / "config.json"
    data = json.loads(written.read_text())
    assert data == {"workspace_name": "proj", "path": "store"}  # relative inside the project
    deep = project / "src" / "pkg"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert Workspace.from_config().id == ws.id
    assert Workspace.from_config(project).id == ws.id
    assert Workspace.from_config(written).id == ws.id


def test_missing_or_broken_config_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotFound, match="kuznia workspace create"):
        Workspace.from_config()
    bad = tmp_path / ".kuznia" / "config.json"
    bad.parent.mkdir()
    bad.write_text("{not json")
    with pytest.raises(InvalidInput, match="not readable JSON"):
        Workspace.from_config()
    bad.write_text("{}")
    with pytest.raises(InvalidInput, match="workspace_name"):
        Workspace.from_config()


def test_one_store_holds_many_workspaces_apart(tmp_path):
    a = Workspace.create("a", path=tmp_path)
    b = Workspace.create("b", path=tmp_path)
    Experiment(a, "only-in-a").start_logging().complete()
    assert list(a.experiments) == ["only-in-a"]
    assert b.experiments == {}


def test_server_workspace_and_config(server, tmp_path):
    name = "srv-" + os.urandom(4).hex()
    ws = Workspace.create(name, server=server.url)
    assert ws.location == {"server": server.url}
    ws.write_config(tmp_path)
    assert json.loads((tmp_path / ".kuznia" / "config.json").read_text())["server"] == server.url
    assert Workspace.from_config(tmp_path).id == ws.id
    assert name in Workspace.list(server=server.url)


def test_unreachable_server_is_a_clear_error():
    from kuznia.errors import ConnectionFailed

    with pytest.raises(ConnectionFailed, match="is `kuznia server` running"):
        Workspace.get("x", server="http://127.0.0.1:9")
    with pytest.raises(InvalidInput, match="http"):
        Workspace.get("x", server="ftp://example.com")
