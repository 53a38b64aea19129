"""`kuznia model …` as real subprocesses."""

from __future__ import annotations


def test_model_commands(cli, tmp_path):
    cli("workspace", "create", "team")
    (cli.cwd / "model.pkl").write_bytes(b"weights")
    out = cli("model", "register", "iris", "model.pkl", "-t", "stage=dev", "-p", "acc=0.9", "--framework", "ScikitLearn")
    assert "version 1" in out.stdout
    cli("model", "register", "iris", "model.pkl")
    listed = cli.json("model", "list")
    assert [m["id"] for m in listed] == ["iris:2", "iris:1"]
    assert [m["id"] for m in cli.json("model", "list", "--latest")] == ["iris:2"]
    assert [m["id"] for m in cli.json("model", "list", "-t", "stage=dev")] == ["iris:1"]
    shown = cli.json("model", "show", "iris", "--version", "1")
    assert shown["files"] == ["model.pkl"] and shown["properties"] == {"acc": "0.9"}
    cli("model", "download", "iris", "--out", str(tmp_path / "dl"))
    assert (tmp_path / "dl" / "model.pkl").read_bytes() == b"weights"
    again = cli("model", "download", "iris", "--out", str(tmp_path / "dl"), ok=False)
    assert again.returncode == 1 and "exist" in again.stderr
    cli("model", "delete", "iris", "--version", "1")
    assert [m["id"] for m in cli.json("model", "list")] == ["iris:2"]
    missing = cli("model", "show", "nope", ok=False)
    assert missing.returncode == 1 and "not found" in missing.stderr
