"""kuznia compute list | show | create | update"""

from __future__ import annotations

import typer

from kuznia.cli.output import (
    console,
    errors_as_messages,
    json_option,
    print_fields,
    print_json,
    print_table,
)
from kuznia.cli.target import PathOption, ServerOption, WorkspaceOption, open_workspace

app = typer.Typer(help="Compute targets where submitted runs execute.", no_args_is_help=True)


@app.command("list")
def list_(
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List compute targets with running and queued runs."""
    from kuznia.sdk.compute import ComputeTarget

    with errors_as_messages():
        targets = ComputeTarget.list(open_workspace(workspace, path, server))
    if as_json:
        print_json([t._entity.model_dump(mode="json") for t in targets])
        return
    print_table(None, ["name", "type", "max concurrent", "active", "queued"],
                [(t.name, t.type, t.max_concurrent_runs, t._entity.active_runs, t._entity.queued_runs)
                 for t in targets])


@app.command()
def show(
    name: str = typer.Argument("local"),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Show one compute target and its settings."""
    from kuznia.sdk.compute import ComputeTarget

    with errors_as_messages():
        target = ComputeTarget(open_workspace(workspace, path, server), name)
    if as_json:
        print_json(target._entity.model_dump(mode="json"))
        return
    print_fields(f"Compute target {target.name}", [
        ("type", target.type), ("active runs", target._entity.active_runs),
        ("queued runs", target._entity.queued_runs),
        *target.settings.model_dump().items(),
    ])


def _settings(max_concurrent_runs: int | None, heartbeat: float | None, not_responding: float | None,
              failed: float | None, grace: float | None) -> dict[str, float]:
    pairs = {
        "max_concurrent_runs": max_concurrent_runs,
        "heartbeat_interval_seconds": heartbeat,
        "not_responding_after_seconds": not_responding,
        "failed_after_seconds": failed,
        "cancel_grace_seconds": grace,
    }
    return {k: v for k, v in pairs.items() if v is not None}


MaxRuns = typer.Option(None, "--max-concurrent-runs", help="Runs at once; more wait in Queued.")
Heartbeat = typer.Option(None, "--heartbeat-seconds", help="How often a run reports that it lives.")
NotResponding = typer.Option(None, "--not-responding-after", help="Seconds of silence before NotResponding.")
Failed = typer.Option(None, "--failed-after", help="Seconds of silence before Failed.")
Grace = typer.Option(None, "--cancel-grace", help="Seconds between SIGTERM and SIGKILL on cancel.")


@app.command()
def create(
    name: str,
    max_concurrent_runs: int = MaxRuns,
    heartbeat: float = Heartbeat,
    not_responding: float = NotResponding,
    failed: float = Failed,
    grace: float = Grace,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Add a local compute target with its own limits.

    Example: kuznia compute create cpu2 --max-concurrent-runs 2
    """
    from kuznia.sdk.compute import ComputeTarget, LocalCompute

    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        config = LocalCompute.provisioning_configuration(
            **_settings(max_concurrent_runs, heartbeat, not_responding, failed, grace))
        ComputeTarget.create(ws, name, config)
    console.print(f"Created compute target [bold]{name}[/]")


@app.command()
def update(
    name: str,
    max_concurrent_runs: int = MaxRuns,
    heartbeat: float = Heartbeat,
    not_responding: float = NotResponding,
    failed: float = Failed,
    grace: float = Grace,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Change a compute target's limits, e.g. kuznia compute update local --max-concurrent-runs 4"""
    from kuznia.sdk.compute import ComputeTarget

    with errors_as_messages():
        target = ComputeTarget(open_workspace(workspace, path, server), name)
        target.update(**_settings(max_concurrent_runs, heartbeat, not_responding, failed, grace))
    console.print(f"Updated compute target [bold]{name}[/]")
