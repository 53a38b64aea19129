"""`kuznia environment …` and `kuznia secret …` as real subprocesses."""

from __future__ import annotations


def test_environment_commands(cli):
    cli("workspace", "create", "team")
    (cli.cwd / "requirements.txt").write_text("six==1.17.0\n")
    out = cli("environment", "create", "sk", "-r", "requirements.txt", "--env", "MODE=fast", "--build")
    assert "Environment sk version 1" in out.stdout and "Built:" in out.stdout
    assert "version 1" in cli("environment", "create", "sk", "-r", "requirements.txt", "--env", "MODE=fast").stdout
    assert "version 2" in cli("environment", "create", "sk", "-p", "six==1.16.0").stdout
    listed = cli.json("environment", "list")
    assert [(e["name"], e["version"]) for e in listed["environments"]] == [("sk", 2)]
    assert listed["builds"] >= 1 and listed["cache_bytes"] > 0
    shown = cli.json("environment", "show", "sk", "--version", "1")
    assert shown["spec"]["python"]["pip_packages"] == ["six==1.17.0"]
    assert shown["spec"]["environment_variables"] == {"MODE": "fast"}
    assert "Ready:" in cli("environment", "build", "sk", "--version", "1").stdout
    assert len(cli.json("environment", "cache")) >= 1
    assert "Removed 0 build(s)" in cli("environment", "prune").stdout
    bad = cli("environment", "create", "x", "-p", "--index-url=http://evil", ok=False)
    assert bad.returncode == 2 and "not allowed" in bad.stderr


def test_secret_commands_never_take_the_value_from_argv(cli):
    cli("workspace", "create", "team")
    cli("secret", "set", "db-password", input="hunter2-hunter2\n")
    listed = cli.json("secret", "list")
    assert [s["name"] for s in listed] == ["db-password"]
    assert "hunter2" not in cli("secret", "list").stdout
    from kuznia import Workspace

    ws = Workspace.get("team", path=cli.env["KUZNIA_HOME"] + "/local")
    assert ws.get_default_keyvault().get_secret("db-password") == "hunter2-hunter2"
    extra = cli("secret", "set", "x", "the-value", ok=False)
    assert extra.returncode != 0  # a value on the command line is refused
    cli("secret", "delete", "db-password")
    assert cli.json("secret", "list") == []
    empty = cli("secret", "set", "y", input="", ok=False)
    assert empty.returncode == 2 and "empty" in empty.stderr
