"""kuznia model register | list | show | download | delete"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

app = typer.Typer(help="The model registry: versioned model files with tags and lineage.", no_args_is_help=True)


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    from kuznia.errors import InvalidInput

    result = {}
    for item in items or []:
        if "=" not in item:
            raise InvalidInput(f"--{what} {item!r}: use KEY=VALUE")
        key, value = item.split("=", 1)
        result[key] = value
    return result


@app.command()
def register(
    name: str,
    model_path: str = typer.Argument(..., help="A local file or folder, or with --run a path among the run's files."),
    run_id: str = typer.Option(None, "--run", help="Register from this run's files (lineage to the run)."),
    tag: list[str] = typer.Option(None, "--tag", "-t", help="KEY=VALUE (repeatable)."),
    prop: list[str] = typer.Option(None, "--property", "-p", help="KEY=VALUE, write-once (repeatable)."),
    description: str = typer.Option(None, "--description"),
    framework: str = typer.Option(None, "--framework", help="e.g. ScikitLearn"),
    framework_version: str = typer.Option(None, "--framework-version"),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Register the next version of a model.

    Examples: kuznia model register iris ./model.pkl
              kuznia model register iris outputs/model.pkl --run iris_1795_ab12
    """
    from kuznia.sdk.model import Model

    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        options: dict[str, Any] = {"tags": _pairs(tag, "tag"), "properties": _pairs(prop, "property"),
                                   "description": description,
                   "model_framework": framework, "model_framework_version": framework_version}
        if run_id:
            model = Model._register_from_run(ws, run_id, name, model_path, **options)
        else:
            model = Model.register(ws, model_path, name, **options)
    if as_json:
        print_json(model._entity.model_dump(mode="json"))
        return
    console.print(f"Registered model [bold]{model.name}[/] version {model.version} "
                  f"({model._entity.file_count} file(s))")


@app.command("list")
def list_(
    name: str = typer.Option(None, "--name", "-n", help="Only versions of this model."),
    tag: list[str] = typer.Option(None, "--tag", "-t", help="KEY or KEY=VALUE (repeatable)."),
    latest: bool = typer.Option(False, "--latest", help="Only the latest version of each model."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List model versions, newest first per name."""
    from kuznia.sdk.model import Model

    with errors_as_messages():
        tags = [t.split("=", 1) for t in tag or []]
        found = Model.list(open_workspace(workspace, path, server), name=name, tags=tags, latest=latest)
    if as_json:
        print_json([m._entity.model_dump(mode="json") for m in found])
        return
    print_table(None, ["name", "version", "files", "run", "tags", "registered"],
                [(m.name, m.version, m._entity.file_count, m.run_id or "",
                  ", ".join(f"{k}={v}" for k, v in m.tags.items()), when(m.created_time)) for m in found],
                empty="no models yet; kuznia model register NAME PATH")


@app.command()
def show(
    name: str,
    version: int = typer.Option(None, "--version", "-v", help="Default: the latest."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Show a model version: files, tags, properties and lineage."""
    from kuznia.sdk.model import Model

    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        model = Model(ws, name, version=version)
        files = ws._backend.get_model_files(ws.name, model.name, model.version)
    if as_json:
        print_json({**model._entity.model_dump(mode="json"), "files": [e.path for e in files.entries]})
        return
    entity = model._entity
    print_fields(f"Model {entity.id}", [
        ("description", entity.description), ("framework", entity.model_framework),
        ("run", entity.run_id), ("experiment", entity.experiment_name), ("registered", when(entity.created_at)),
        ("size", f"{entity.total_bytes} bytes in {entity.file_count} file(s)"),
        *((f"tag {k}", v) for k, v in entity.tags.items()),
        *((f"property {k}", v) for k, v in entity.properties.items()),
        *(("file", e.path) for e in files.entries[:50]),
    ])


@app.command()
def download(
    name: str,
    version: int = typer.Option(None, "--version", "-v", help="Default: the latest."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Folder to write into."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace what is there."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Download a model version's file or folder."""
    from kuznia.sdk.model import Model

    with errors_as_messages():
        model = Model(open_workspace(workspace, path, server), name, version=version)
        with console.status(f"downloading {model.id}…"):
            written = model.download(out, exist_ok=overwrite)
    console.print(f"Downloaded {model.id} to {written}")


@app.command()
def delete(
    name: str,
    version: int = typer.Option(..., "--version", "-v", help="Which version to delete."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Delete a model version."""
    from kuznia.sdk.model import Model

    with errors_as_messages():
        Model(open_workspace(workspace, path, server), name, version=version).delete()
    console.print(f"Deleted model {name}:{version}")
