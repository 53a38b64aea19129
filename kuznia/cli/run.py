"""kuznia run list | show | metrics | logs | download | snapshot | cancel | submit | submit-script"""

from __future__ import annotations

from pathlib import Path

import typer

from kuznia.cli.output import (
    console,
    errors_as_messages,
    json_option,
    number,
    print_fields,
    print_json,
    print_table,
    seconds,
    status,
    when,
)
from kuznia.cli.target import PathOption, ServerOption, WorkspaceOption, open_workspace

app = typer.Typer(help="List, inspect, download and cancel runs.", no_args_is_help=True)


def _run(run_id: str, workspace: str | None, path: str | None, server: str | None):  # noqa: ANN202
    from kuznia.sdk.run import Run

    ws = open_workspace(workspace, path, server)
    return Run.get(ws, run_id)


@app.command("list")
def list_(
    experiment: str = typer.Option(None, "--experiment", "-e", help="Only runs of this experiment."),
    filter: str = typer.Option(
        None, "--filter", "-f",
        help="Filter language, e.g. \"metrics.accuracy > 0.9 and tags.team = 'vision'\".",
    ),
    order_by: list[str] = typer.Option(None, "--order-by", "-o", help="e.g. 'metrics.accuracy desc' (repeatable)."),
    status_: list[str] = typer.Option(None, "--status", "-s", help="Only runs with this status (repeatable)."),
    children: bool = typer.Option(False, "--children", help="Include child runs."),
    max_results: int = typer.Option(50, "--max", "-n", help="How many runs to show."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List runs, newest first.

    Example: kuznia run list -e iris -f "metrics.accuracy > 0.9" -o "metrics.accuracy desc"
    """
    from kuznia.entities.common import parse
    from kuznia.entities.runs import RunQuery

    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        query = parse(RunQuery, {
            "experiment_name": experiment,
            "filter": filter,
            "order_by": order_by or [],
            "statuses": status_ or [],
            "include_children": children,
            "max_results": max_results,
        })
        page = ws._backend.list_runs(ws.name, query)
    if as_json:
        print_json([r.model_dump(mode="json") for r in page.items])
        return
    metric_names = sorted({name for r in page.items for name in r.metrics})[:6]
    print_table(
        None,
        ["run id", "experiment", "#", "name", "status", "started", "duration", *metric_names],
        [
            (r.id, r.experiment_name, r.number, r.display_name, status(r.status.value), when(r.start_time),
             seconds(r.duration_seconds), *(number(r.metrics.get(m)) for m in metric_names))
            for r in page.items
        ],
        empty="no runs match",
    )
    if page.next_page_token:
        console.print(f"[dim]showing the first {max_results}; use --max to see more[/]")


@app.command()
def show(
    run_id: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Show a run: status, timings, tags, properties, latest metrics, children and files."""
    with errors_as_messages():
        run = _run(run_id, workspace, path, server)
        entity = run._entity
        children = run.get_children()
        files = run.get_file_names()
    if as_json:
        print_json({**entity.model_dump(mode="json"), "children": [c.id for c in children], "files": files})
        return
    fields = [
        ("run id", entity.id),
        ("experiment", f"{entity.experiment_name} (#{entity.number})"),
        ("name", entity.display_name),
        ("status", status(entity.status.value)),
        ("type", entity.run_type),
        ("created", when(entity.created_at)),
        ("started", when(entity.start_time)),
        ("ended", when(entity.end_time)),
        ("duration", seconds(entity.duration_seconds)),
        ("parent", entity.parent_run_id),
    ]
    if entity.description:
        fields.append(("description", entity.description))
    if entity.error:
        fields.append(("error", entity.error.message))
    fields += [(f"tag {k}", v) for k, v in entity.tags.items()]
    fields += [(f"property {k}", v) for k, v in entity.properties.items()]
    fields += [(f"metric {k}", number(v)) for k, v in entity.metrics.items()]
    fields += [("child", f"{c.id}  {c.display_name}  {c.status}") for c in children]
    fields += [("file", f) for f in files[:50]]
    if len(files) > 50:
        fields.append(("file", f"… {len(files) - 50} more (kuznia run download)"))
    print_fields(f"Run {entity.display_name}", fields)


@app.command()
def metrics(
    run_id: str,
    name: str = typer.Option(None, "--name", help="Show the history of one metric."),
    max_points: int = typer.Option(20, "--points", help="With --name: at most this many points (downsampled)."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Show a run's metrics (one row per metric), or one metric's history with --name."""
    with errors_as_messages():
        run = _run(run_id, workspace, path, server)
        if name is not None:
            history = run.get_metric_history(name, max_points=max(2, max_points))
        else:
            summaries = run._backend.get_metric_summaries(run._workspace_name, run.id)
    if name is not None:
        if as_json:
            print_json(history.model_dump(mode="json"))
            return
        note = f" (downsampled from {history.total_count})" if history.downsampled else ""
        print_table(f"{name}{note}", ["step", "value"],
                    list(zip(history.steps, map(number, history.values), strict=True)),
                    empty=f"no points of {name!r}")
        return
    if as_json:
        print_json([s.model_dump(mode="json") for s in summaries])
        return
    print_table(
        f"Metrics of {run_id}",
        ["name", "kind", "count", "last", "step", "min", "max"],
        [(s.name, s.kind.value, s.count, number(s.last_value), s.last_step, number(s.min_value),
          number(s.max_value)) for s in summaries],
        empty="no metrics logged",
    )


@app.command()
def download(
    run_id: str,
    prefix: str = typer.Option("", "--prefix", help="Only files under this path, e.g. outputs/."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Folder to write into."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Download a run's files (keeping their paths) into a folder."""
    from rich.progress import Progress

    with errors_as_messages():
        run = _run(run_id, workspace, path, server)
        names = run.get_file_names(prefix)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("downloading", total=len(names))
            for name in names:
                run.download_file(name, out / name)
                progress.advance(task)
    console.print(f"Downloaded {len(names)} file(s) to {out}")


@app.command()
def cancel(
    run_id: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Cancel a live run."""
    with errors_as_messages():
        run = _run(run_id, workspace, path, server)
        run.cancel()
    console.print(f"Run {run_id}: {run.status}")


@app.command("submit")
def submit_config(
    config: Path = typer.Option(..., "--config", "-c", help="Run configuration YAML (see RunConfiguration.save)."),
    experiment: str = typer.Option(None, "--experiment", "-e", help="Experiment (default: 'experiment' in the file)."),
    tag: list[str] = typer.Option(None, "--tag", "-t", help="KEY=VALUE (repeatable)."),
    wait: bool = typer.Option(False, "--wait", help="Stream the output and wait for the end."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Submit a script run described by a YAML run configuration.

    Example: kuznia run submit --config train.runconfig.yml -e iris --wait
    """
    from kuznia.sdk.script_run_config import RunConfiguration, ScriptRunConfig

    with errors_as_messages():
        loaded = RunConfiguration.load(config)
        name = experiment or getattr(loaded, "experiment", None)
        if not name:
            from kuznia.errors import InvalidInput

            raise InvalidInput("experiment: pass -e NAME or set 'experiment' in the configuration")
        script_config = ScriptRunConfig.from_run_configuration(
            loaded, source_directory=loaded.source_directory or str(config.parent)
        )
        _submit_and_report(script_config, name, tag, wait, workspace, path, server, as_json)


@app.command("submit-script", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def submit_script(
    ctx: typer.Context,
    script: str = typer.Argument(..., help="Script to run, relative to the source folder."),
    experiment: str = typer.Option(..., "--experiment", "-e", help="Experiment to run it in."),
    source_dir: Path = typer.Option(Path("."), "--source-dir", "-s", help="Folder to snapshot (default: here)."),
    target: str = typer.Option("local", "--target", help="Compute target."),
    max_duration: float = typer.Option(None, "--max-duration", help="Stop the run after this many seconds."),
    tag: list[str] = typer.Option(None, "--tag", "-t", help="KEY=VALUE (repeatable)."),
    wait: bool = typer.Option(False, "--wait", help="Stream the output and wait for the end."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Submit a script from a folder; arguments after -- go to the script.

    Example: kuznia run submit-script train.py -e iris --wait -- --lr 0.1 --epochs 10
    """
    from kuznia.sdk.script_run_config import ScriptRunConfig

    with errors_as_messages():
        config = ScriptRunConfig(str(source_dir), script, arguments=list(ctx.args), compute_target=target,
                                 max_run_duration_seconds=max_duration)
        _submit_and_report(config, experiment, tag, wait, workspace, path, server, as_json)


def _submit_and_report(config, experiment, tags, wait, workspace, path, server, as_json) -> None:  # noqa: ANN001
    from kuznia.errors import InvalidInput
    from kuznia.sdk.experiment import Experiment

    parsed = {}
    for item in tags or []:
        if "=" not in item:
            raise InvalidInput(f"--tag {item!r}: use KEY=VALUE")
        key, value = item.split("=", 1)
        parsed[key] = value
    ws = open_workspace(workspace, path, server)
    with console.status("snapshotting and submitting…"):
        run = Experiment(ws, experiment).submit(config, tags=parsed)
    if not as_json:
        console.print(f"Submitted run [bold]{run.id}[/] ({run.display_name}) to {config.compute_target}: {run.status}")
    if wait:
        run.wait_for_completion(show_output=not as_json, raise_on_error=False)
        run.refresh()
    if as_json:
        print_json(run._entity.model_dump(mode="json"))
    elif wait:
        console.print(f"Run {run.id}: {status(run.status)}")
        if run._entity.error:
            console.print(f"[red]{run._entity.error.message}[/]")
    if wait and run.status != "Completed":
        raise typer.Exit(1)


@app.command()
def logs(
    run_id: str,
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing until the run ends."),
    stream: str = typer.Option("user_logs/std_log.txt", "--stream",
                               help="Which log: user_logs/std_log.txt (script output) or kuznia/bootstrap.log."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Print a run's output (stdout and stderr of its script); --follow streams it live."""
    import sys

    with errors_as_messages():
        run = _run(run_id, workspace, path, server)
        if follow:
            run.follow_logs(stream)
        else:
            sys.stdout.write(run.get_logs(stream))


@app.command()
def snapshot(
    run_id: str,
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write the source files into."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Restore the exact source files a run was submitted with."""
    with errors_as_messages():
        run = _run(run_id, workspace, path, server)
        with console.status("restoring snapshot…"):
            folder = run.restore_snapshot(out)
    console.print(f"Restored the snapshot of {run_id} into {folder}")
