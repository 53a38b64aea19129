"""Submitting a ScriptRunConfig: snapshot the source folder, upload what is new, queue the run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuznia.blobs.snapshots import (
    HashCache,
    SnapshotLimits,
    build_manifest,
    check_limits,
    walk_source,
)
from kuznia.entities.runs import RunSubmit
from kuznia.entities.snapshots import SnapshotCreate
from kuznia.errors import InvalidInput
from kuznia.sdk.git import git_properties
from kuznia.settings import kuznia_home

if TYPE_CHECKING:
    from kuznia.entities.snapshots import Snapshot
    from kuznia.sdk.experiment import Experiment
    from kuznia.sdk.run import Run
    from kuznia.sdk.script_run_config import ScriptRunConfig
    from kuznia.sdk.workspace import Workspace


def snapshot_folder(workspace: Workspace, source: Path) -> Snapshot:
    """Snapshot ``source``: unchanged files are neither re-read nor uploaded again."""
    files = list(walk_source(source))
    check_limits(files, SnapshotLimits.from_environment(), source)
    cache = HashCache(kuznia_home() / "cache" / "snapshots", source)
    entries = build_manifest(files, cache)
    backend = workspace._backend
    missing = set(backend.missing_blobs(workspace.name, [e.digest for e in entries]))
    if missing:
        by_digest: dict[str, Path] = {}
        for f, e in zip(files, entries, strict=True):
            if e.digest in missing:
                by_digest.setdefault(e.digest, f.absolute)
        backend.upload_blobs(workspace.name, list(by_digest.items()))
    snapshot = backend.create_snapshot(workspace.name, SnapshotCreate.model_construct(entries=entries))
    cache.save()
    return snapshot


def submit(experiment: Experiment, config: ScriptRunConfig, tags: dict[str, Any] | None = None,
           display_name: str | None = None, description: str = "", parent_run_id: str | None = None) -> Run:
    """Check everything, snapshot, queue. Nothing is created when a check fails."""
    from kuznia.sdk.experiment import _as_strings
    from kuznia.sdk.run import Run

    definition = config.definition()
    source = Path(config.source_directory).expanduser()
    if not source.is_dir():
        raise InvalidInput(f"source_directory: {source} is not a folder")
    source = source.resolve()
    script = (source / definition.script).resolve()
    try:
        script.relative_to(source)
    except ValueError:
        raise InvalidInput(f"script: {definition.script} is outside the source directory {source}") from None
    if not script.is_file():
        raise InvalidInput(f"script: {definition.script} not found in the source directory {source}")
    workspace = experiment.workspace
    backend = workspace._backend
    backend.get_compute_target(workspace.name, definition.compute_target)  # unknown target: fail first
    snapshot = snapshot_folder(workspace, source)
    properties = {**git_properties(source), "azureml.runsource": "experiment"}
    entity = backend.submit_run(
        workspace.name,
        RunSubmit(
            experiment_name=experiment.name,
            snapshot_id=snapshot.id,
            definition=definition,
            display_name=display_name,
            description=description,
            tags=_as_strings(tags),
            properties=properties,
            parent_run_id=parent_run_id,
        ),
    )
    backend.dispatch_runs(workspace.name)
    return Run._wrap(experiment, entity)
