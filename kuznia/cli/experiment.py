"""kuznia experiment list | archive | restore"""

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

app = typer.Typer(help="List, archive and restore experiments.", no_args_is_help=True)


@app.command("list")
def list_(
    archived: bool = typer.Option(False, "--archived", help="Show only archived experiments."),
    all_: bool = typer.Option(False, "--all", help="Show active and archived experiments."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List experiments with their run counts and last activity."""
    from kuznia.sdk.experiment import Experiment, ViewType

    view = ViewType.ALL if all_ else ViewType.ARCHIVED_ONLY if archived else ViewType.ACTIVE_ONLY
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        found = Experiment.list(ws, view_type=view)
    if as_json:
        print_json([e._entity.model_dump(mode="json") for e in found])
        return
    print_table(
        f"Experiments in {ws.name}",
        ["name", "runs", "last activity", "created", "archived"],
        [
            (e.name, e._entity.run_count, when(e._entity.last_activity), when(e._entity.created_at),
             "yes" if e._entity.archived else "")
            for e in found
        ],
        empty="no experiments yet; they are created by the first run logged to them",
    )


def _set_archived(name: str, archived: bool, workspace: str | None, path: str | None, server: str | None) -> None:
    from kuznia.sdk.experiment import Experiment

    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        experiment = Experiment(ws, name, _entity=ws._backend.get_experiment(ws.name, name))
        if archived:
            experiment.archive()
        else:
            experiment.reactivate()
    console.print(f"Experiment [bold]{name}[/] {'archived' if archived else 'restored'}.")


@app.command()
def archive(
    name: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Archive an experiment: hidden from lists, runs kept."""
    _set_archived(name, True, workspace, path, server)


@app.command()
def restore(
    name: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Restore an archived experiment."""
    _set_archived(name, False, workspace, path, server)
