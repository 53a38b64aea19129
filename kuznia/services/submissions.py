"""Submitting script runs: checked up front, queued, then dispatched."""

from __future__ import annotations

from kuznia.entities.common import parse
from kuznia.entities.runs import Run, RunCreate, RunStatus, RunSubmit
from kuznia.environments.cache import check_fetch_targets
from kuznia.errors import InvalidInput
from kuznia.services import compute, snapshots
from kuznia.services.runs import create_run
from kuznia.services.scope import Scope


def submit_run(scope: Scope, data: RunSubmit) -> Run:
    """Queue a script run. Everything is checked before the run exists: the compute
    target, the snapshot, and that the script is one of the snapshot's files."""
    data = parse(RunSubmit, data)
    environment = data.definition.environment
    if environment is not None and not environment.python.user_managed_dependencies:
        check_fetch_targets(environment)  # built by the server's host: no internal URLs (SSRF)
    compute.get_target(scope, data.definition.compute_target)
    manifest = snapshots.get_manifest(scope, data.snapshot_id)
    if not any(e.path == data.definition.script for e in manifest.entries):
        raise InvalidInput(
            f"script {data.definition.script!r} is not in the snapshot of the source directory "
            "(missing, or excluded by .amlignore/.gitignore)"
        )
    run = create_run(
        scope,
        RunCreate(
            experiment_name=data.experiment_name,
            display_name=data.display_name,
            description=data.description,
            run_type="script",
            status=RunStatus.QUEUED,
            parent_run_id=data.parent_run_id,
            tags=data.tags,
            properties=data.properties,
        ),
        extra={
            "compute_target": data.definition.compute_target,
            "snapshot_id": data.snapshot_id,
            "definition": data.definition.model_dump(mode="json"),
        },
    )
    return run
