"""Which workspace a command acts on: options, then environment, then .kuznia/config.json."""

from __future__ import annotations

import os
from typing import Any

import typer

WorkspaceOption = typer.Option(
    None, "--workspace", "-w", help="Workspace name (default: from .kuznia/config.json or KUZNIA_WORKSPACE)."
)
PathOption = typer.Option(
    None, "--path", help="Folder of an embedded workspace store (default: KUZNIA_PATH or config)."
)
ServerOption = typer.Option(
    None, "--server", help="URL of a Kuźnia server, e.g. http://127.0.0.1:8765 (default: KUZNIA_SERVER or config)."
)


def open_workspace(workspace: str | None, path: str | None, server: str | None) -> Any:
    """The Workspace to act on, or a clear error saying how to name one."""
    from kuznia.errors import NotFound
    from kuznia.sdk import config
    from kuznia.sdk.workspace import Workspace

    workspace = workspace or os.environ.get("KUZNIA_WORKSPACE")
    path = path or os.environ.get("KUZNIA_PATH")
    server = server or os.environ.get("KUZNIA_SERVER")
    if workspace is None or (path is None and server is None):
        try:
            data = config.read_config(config.find_config())
        except NotFound:
            data = {}
        if workspace is None:
            workspace = data.get("workspace_name")
        if path is None and server is None:
            path, server = data.get("path"), data.get("server")
    if workspace is None:
        raise NotFound(
            "no workspace given: pass -w NAME, set KUZNIA_WORKSPACE, or run "
            "`kuznia workspace create NAME` in your project folder"
        )
    return Workspace.get(workspace, path=path, server=server)
