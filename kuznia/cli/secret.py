"""kuznia secret set | list | delete"""

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

app = typer.Typer(help="The workspace key vault: encrypted secrets for runs.", no_args_is_help=True)


@app.command("set")
def set_(
    name: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Store a secret. The value comes from stdin or a hidden prompt — never the command line,
    where shell history and process lists would keep it.

    Example: printf '%s' "$TOKEN" | kuznia secret set github-token
    """
    import getpass
    import sys

    with errors_as_messages():
        if sys.stdin.isatty():
            value = getpass.getpass(f"value of {name}: ")
        else:
            value = sys.stdin.read()
            if value.endswith("\n"):
                value = value[:-1]
        if not value:
            from kuznia.errors import InvalidInput

            raise InvalidInput("the secret value is empty")
        open_workspace(workspace, path, server).get_default_keyvault().set_secret(name, value)
    console.print(f"Secret [bold]{name}[/] stored (encrypted).")


@app.command("list")
def list_(
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List secret names and dates (never values)."""
    with errors_as_messages():
        infos = open_workspace(workspace, path, server).get_default_keyvault().list_secrets()
    if as_json:
        print_json(infos)
        return
    print_table(None, ["name", "created", "updated"], [(i["name"], when(i["created_at"]), when(i["updated_at"]))
                                                       for i in infos], empty="no secrets yet")


@app.command()
def delete(
    name: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Delete a secret."""
    with errors_as_messages():
        open_workspace(workspace, path, server).get_default_keyvault().delete_secret(name)
    console.print(f"Secret [bold]{name}[/] deleted.")
