"""kuznia workspace create | show | list"""

from __future__ import annotations

import typer

from kuznia.cli.output import (
    console,
    errors_as_messages,
    json_option,
    print_fields,
    print_json,
    print_table,
    when,
)
from kuznia.cli.target import PathOption, ServerOption, WorkspaceOption, open_workspace

app = typer.Typer(help="Create and inspect workspaces.", no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Argument(..., help="Workspace name: letters, digits, '_' and '-'."),
    path: str = typer.Option(None, "--path", help="Folder for an embedded workspace (default: ~/.kuznia/local)."),
    server: str = ServerOption,
    description: str = typer.Option("", help="A sentence about the workspace."),
    write_config: bool = typer.Option(True, "--write-config/--no-write-config",
                                      help="Save .kuznia/config.json here so later commands find it."),
    exist_ok: bool = typer.Option(False, "--exist-ok", help="Succeed if it already exists."),
    as_json: bool = json_option(),
) -> None:
    """Create a workspace (embedded in a folder, or on a server).

    Example: kuznia workspace create vision --path ./kuznia-ws
    """
    from kuznia.sdk.workspace import Workspace

    with errors_as_messages():
        ws = Workspace.create(name, path=path, server=server, description=description, exist_ok=exist_ok)
        config = ws.write_config() if write_config else None
    if as_json:
        print_json({**ws.get_details(), "config": str(config) if config else None})
        return
    where = ws.location.get("path") or ws.location.get("server")
    console.print(f"Created workspace [bold]{ws.name}[/] at {where}")
    if config:
        console.print(f"Saved {config}; commands run below this folder use this workspace.")


@app.command()
def show(
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Show the current workspace (from options, environment or .kuznia/config.json)."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        details = ws.get_details()
        experiments = ws.experiments
    if as_json:
        print_json({**details, "experiments": len(experiments)})
        return
    print_fields(
        f"Workspace {ws.name}",
        [
            ("id", ws.id),
            ("location", details.get("path") or details.get("server")),
            ("created", when(ws._entity.created_at)),
            ("description", details.get("description")),
            ("experiments", len(experiments)),
        ],
    )


@app.command("list")
def list_(
    path: str | None = PathOption,
    server: str | None = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List the workspaces of a store folder or a server."""
    import os

    from kuznia.sdk.workspace import Workspace

    with errors_as_messages():
        path = path or os.environ.get("KUZNIA_PATH")
        server = server or os.environ.get("KUZNIA_SERVER")
        if path is None and server is None:
            from kuznia.errors import NotFound
            from kuznia.sdk import config

            try:
                data = config.read_config(config.find_config())
                path, server = data.get("path"), data.get("server")
            except NotFound:
                pass
        found = Workspace.list(path=path, server=server)
    if as_json:
        print_json([ws.get_details() for ws in found.values()])
        return
    print_table(
        None,
        ["name", "created", "description"],
        [(ws.name, when(ws._entity.created_at), ws._entity.description) for ws in found.values()],
        empty="no workspaces yet; create one with `kuznia workspace create NAME`",
    )


member_app = typer.Typer(help="Members of a workspace and their roles (reader, contributor, owner).",
                         no_args_is_help=True)
app.add_typer(member_app, name="member")


@member_app.command("add")
def member_add(
    user: str,
    role: str = typer.Option("contributor", "--role", "-r", help="reader, contributor or owner."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Add a member, or change their role (owners only).

    Example: kuznia workspace member add ala --role reader
    """
    from kuznia.entities.common import parse
    from kuznia.entities.users import MemberSet

    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        member = ws._backend.set_member(ws.name, parse(MemberSet, {"user": user, "role": role}))
    console.print(f"{member.user} is {member.role.value} of {ws.name}.")


@member_app.command("remove")
def member_remove(
    user: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Remove a member (owners only; never the last owner)."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        ws._backend.remove_member(ws.name, user)
    console.print(f"{user} is no longer a member of {ws.name}.")


@member_app.command("list")
def member_list(
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List members and their roles."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        members = ws._backend.list_members(ws.name)
    if as_json:
        print_json([m.model_dump(mode="json") for m in members])
        return
    print_table(None, ["user", "role", "since"], [(m.user, m.role.value, when(m.added_at)) for m in members])
