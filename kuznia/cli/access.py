"""kuznia login | user … | token … | audit list — identity and access on a server."""

from __future__ import annotations

import typer

from kuznia.cli.output import (
    console,
    errors_as_messages,
    json_option,
    print_json,
    print_table,
    when,
)
from kuznia.cli.target import PathOption, ServerOption, WorkspaceOption, open_workspace

user_app = typer.Typer(help="Users of a server (admins).", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: shown once, stored hashed.", no_args_is_help=True)
audit_app = typer.Typer(help="Who created, changed or deleted what (owners).", no_args_is_help=True)


def _backend(server: str | None):  # noqa: ANN202
    """A backend for the server of the options, the environment or .kuznia/config.json."""
    import os

    from kuznia.errors import InvalidInput
    from kuznia.sdk import config

    server = server or os.environ.get("KUZNIA_SERVER")
    if server is None:
        try:
            server = config.read_config(config.find_config()).get("server")
        except Exception:  # no config: say what to pass
            server = None
    if not server:
        raise InvalidInput("which server? pass --server URL (users and tokens belong to a server)")
    return config.connect(server=server)


def login(
    server: str = typer.Option(..., "--server", help="The server's URL, e.g. https://kuznia.example.com"),
) -> None:
    """Save an API token for a server (asked for with a hidden prompt, or read from stdin).

    Example: kuznia login --server http://127.0.0.1:8765
    """
    import getpass
    import sys

    from kuznia.backends.http import HttpBackend
    from kuznia.settings import save_token

    with errors_as_messages():
        token = getpass.getpass("API token: ") if sys.stdin.isatty() else sys.stdin.read().strip()
        who = HttpBackend(server, token=token).whoami()
        path = save_token(server, token)
    console.print(f"Signed in to {server} as [bold]{who.name}[/]{' (admin)' if who.is_admin else ''}; "
                  f"the token is in {path} (mode 0600).")


def whoami(server: str = ServerOption, as_json: bool = json_option()) -> None:
    """Who your token belongs to, and your roles."""
    with errors_as_messages():
        who = _backend(server).whoami()
    if as_json:
        print_json(who.model_dump(mode="json"))
        return
    console.print(f"{who.name} ({who.kind}{', admin' if who.is_admin else ''})")
    for workspace, role in who.roles.items():
        console.print(f"  {workspace}: {role.value}")


@user_app.command()
def create(
    name: str,
    admin: bool = typer.Option(False, "--admin", help="A server admin may do everything."),
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Create a user and a first token for them (printed once).

    Example: kuznia user create ala --server http://127.0.0.1:8765
    """
    from kuznia.entities.users import TokenCreate, UserCreate

    with errors_as_messages():
        backend = _backend(server)
        user = backend.create_user(UserCreate(name=name, is_admin=admin))
        token = backend.create_token(TokenCreate(name="first token", user=name))
    if as_json:
        print_json({**user.model_dump(mode="json"), "token": token.token})
        return
    console.print(f"Created user [bold]{user.name}[/]{' (admin)' if user.is_admin else ''}. "
                  "Their token, shown only now:")
    typer.echo(token.token)


@user_app.command("list")
def list_users(server: str = ServerOption, as_json: bool = json_option()) -> None:
    """List users."""
    with errors_as_messages():
        found = _backend(server).list_users()
    if as_json:
        print_json([u.model_dump(mode="json") for u in found])
        return
    print_table(None, ["name", "admin", "disabled", "created"],
                [(u.name, "yes" if u.is_admin else "", "yes" if u.disabled else "", when(u.created_at))
                 for u in found])


@user_app.command()
def disable(name: str, server: str = ServerOption) -> None:
    """Disable a user: their tokens stop working at once."""
    with errors_as_messages():
        _backend(server).set_user_disabled(name, True)
    console.print(f"User [bold]{name}[/] disabled.")


@token_app.command("create")
def create_token(
    name: str = typer.Option("token", "--name", help="What the token is for."),
    user: str = typer.Option(None, "--user", help="Admins: a token for another user."),
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Create an API token (printed once; store it now)."""
    from kuznia.entities.users import TokenCreate

    with errors_as_messages():
        created = _backend(server).create_token(TokenCreate(name=name, user=user))
    if as_json:
        print_json(created.model_dump(mode="json"))
        return
    console.print(f"Token [bold]{created.name}[/] for {created.user} (id {created.id}), shown only now:")
    typer.echo(created.token)


@token_app.command("list")
def list_tokens(
    user: str = typer.Option(None, "--user", help="Admins: another user's tokens."),
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List tokens (their first characters, never the tokens)."""
    with errors_as_messages():
        found = _backend(server).list_tokens(user)
    if as_json:
        print_json([t.model_dump(mode="json") for t in found])
        return
    print_table(None, ["id", "name", "user", "starts with", "created", "last used", "revoked"],
                [(t.id, t.name, t.user, t.prefix + "…", when(t.created_at), when(t.last_used_at),
                  when(t.revoked_at)) for t in found])


@token_app.command()
def revoke(token_id: str, server: str = ServerOption) -> None:
    """Revoke a token by id (see `kuznia token list`)."""
    with errors_as_messages():
        _backend(server).revoke_token(token_id)
    console.print(f"Token {token_id} revoked.")


@audit_app.command("list")
def audit_list(
    max_results: int = typer.Option(50, "--max", "-n"),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """The audit trail of a workspace, newest first (owners only)."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        page = ws._backend.list_audit(ws.name, max_results=max_results)
    if as_json:
        print_json([e.model_dump(mode="json") for e in page.items])
        return
    print_table(None, ["when", "who", "action", "what"],
                [(when(e.at), e.actor, e.action, e.resource) for e in page.items], empty="nothing recorded yet")
