"""Users, tokens, members, login and audit from the command line, against a real server."""

from __future__ import annotations

import stat

import pytest

from tests.conftest import ServerProcess


@pytest.fixture
def team_server(cli, tmp_path):
    """A `kuznia server` subprocess on SQLite whose first admin is the test admin."""
    env = dict(cli.env, KUZNIA_DATABASE_URL=f"sqlite:///{tmp_path / 'server.db'}",
               KUZNIA_STORAGE_URL=str(tmp_path / "blobs"))
    server = ServerProcess(env).start()
    yield server.url
    server.stop()


def as_user(cli, token: str | None):  # noqa: ANN001, ANN201
    """The same CLI, run with another user's token (or none)."""
    from tests.cli.conftest import Cli

    env = {k: v for k, v in cli.env.items() if k not in ("KUZNIA_TOKEN", "KUZNIA_ADMIN_TOKEN")}
    if token:
        env["KUZNIA_TOKEN"] = token
    return Cli(cli.cwd, env)


def test_users_tokens_members_and_audit(cli, team_server):
    cli("workspace", "create", "team", "--server", team_server)
    created = cli.json("user", "create", "ala", "--server", team_server)
    ala_token = created["token"]
    assert ala_token.startswith("kzu_") and created["is_admin"] is False
    assert "ala" in [u["name"] for u in cli.json("user", "list", "--server", team_server)]

    ala = as_user(cli, ala_token)
    denied = ala("run", "list", ok=False)  # not a member yet: the workspace is not even visible
    assert denied.returncode != 0 and "team" in denied.stderr

    added = cli("workspace", "member", "add", "ala", "--role", "reader")
    assert "ala is reader of team" in added.stdout
    members = {m["user"]: m["role"] for m in cli.json("workspace", "member", "list")}
    assert members == {"admin": "owner", "ala": "reader"}
    assert ala.json("whoami", "--server", team_server)["roles"] == {"team": "reader"}
    assert ala.json("run", "list") == []

    refused = ala("secret", "set", "db-password", input="hunter2\n", ok=False)
    assert refused.returncode != 0 and "owner" in refused.stderr.lower()
    no_audit = ala("audit", "list", ok=False)
    assert no_audit.returncode != 0

    tokens = cli.json("token", "list", "--user", "ala", "--server", team_server)
    assert len(tokens) == 1 and ala_token not in str(tokens)
    assert ala_token.startswith(tokens[0]["prefix"])
    cli("token", "revoke", tokens[0]["id"], "--server", team_server)
    revoked = ala("whoami", "--server", team_server, ok=False)
    assert revoked.returncode != 0 and "token" in revoked.stderr.lower()
    assert ala_token not in revoked.stderr

    cli("user", "disable", "ala", "--server", team_server)
    listed = {u["name"]: u for u in cli.json("user", "list", "--server", team_server)}
    assert listed["ala"]["disabled"] is True
    cli("workspace", "member", "remove", "ala")
    last_owner = cli("workspace", "member", "remove", "admin", ok=False)
    assert last_owner.returncode != 0 and "owner" in last_owner.stderr

    actions = [e["action"] for e in cli.json("audit", "list")]
    assert {"workspace.create", "member.set", "member.remove"} <= set(actions)
    assert "ala" in cli("audit", "list").stdout


def test_login_saves_the_token_privately(cli, team_server):
    anonymous = as_user(cli, None)
    refused = anonymous("whoami", "--server", team_server, ok=False)
    assert refused.returncode != 0 and "kuznia login" in refused.stderr

    wrong = anonymous("login", "--server", team_server, input="kzu_not-a-real-token\n", ok=False)
    assert wrong.returncode != 0
    signed_in = anonymous("login", "--server", team_server, input=cli.env["KUZNIA_TOKEN"] + "\n")
    assert "Signed in" in signed_in.stdout and "admin" in signed_in.stdout
    assert cli.env["KUZNIA_TOKEN"] not in signed_in.stdout

    from pathlib import Path

    credentials = Path(cli.env["KUZNIA_HOME"]) / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert anonymous.json("whoami", "--server", team_server)["name"] == "admin"
