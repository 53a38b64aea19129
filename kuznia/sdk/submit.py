"""Submitting a ScriptRunConfig: snapshot the source folder, upload what is new, queue the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuznia.blobs.snapshots import (
    HashCache,
    SnapshotLimits,
    SourceFile,
    build_manifest,
    check_limits,
    folder_fingerprint,
    older_objects_frozen,
    walk_source,
)
from kuznia.entities.runs import Run as RunEntity
from kuznia.entities.runs import RunSubmit
from kuznia.entities.snapshots import ManifestEntry, Snapshot, SnapshotCreate
from kuznia.errors import InvalidInput, NotFound
from kuznia.sdk.git import git_properties
from kuznia.settings import kuznia_home

if TYPE_CHECKING:
    from kuznia.backends.base import Backend
    from kuznia.sdk.experiment import Experiment
    from kuznia.sdk.run import Run
    from kuznia.sdk.script_run_config import ScriptRunConfig
    from kuznia.sdk.workspace import Workspace


def snapshot_folder(workspace: Workspace, source: Path, reuse: bool = True) -> Snapshot:
    """Snapshot ``source``: files are read once, hashed and uploaded in the same pass;
    unchanged files are neither re-read nor uploaded again, and an unchanged folder gives
    the snapshot made last time (``reuse``) without asking the workspace."""
    with older_objects_frozen():
        return _snapshot_folder(workspace, source, reuse)


def _snapshot_folder(workspace: Workspace, source: Path, reuse: bool) -> Snapshot:
    cache = HashCache(kuznia_home() / "cache" / "snapshots", source)
    backend = workspace._backend
    limits = SnapshotLimits.from_environment()
    place = f"{workspace.id}@{sorted(workspace.location.items())}"
    if cache.entries:  # snapshotted before: unchanged files are not read again
        files = list(walk_source(source))
        check_limits(files, limits, source)
        fingerprint = folder_fingerprint(files)
        known = cache.snapshot(place, fingerprint) if reuse else None
        if known is not None:
            return Snapshot.model_validate(known)
        entries = build_manifest(files, cache, store=lambda paths: backend.upload_files(workspace.name, paths),
                                 missing=lambda digests: backend.missing_blobs(workspace.name, digests))
    else:
        files, entries = _read_while_listing(backend, workspace.name, source, limits, cache)
        fingerprint = folder_fingerprint(files)
    snapshot = backend.create_snapshot(workspace.name, SnapshotCreate.model_construct(entries=entries))
    cache.remember_snapshot(place, fingerprint, snapshot.model_dump(mode="json"))
    cache.save()
    return snapshot


class _OverLimit(Exception):
    pass


def _read_while_listing(backend: Backend, workspace: str, source: Path, limits: SnapshotLimits,
                        cache: HashCache) -> tuple[list[SourceFile], list[ManifestEntry]]:
    """A first snapshot: every file is read, so the backend reads them as they are listed
    (locally, helper processes start on them before the listing ends). Over a limit,
    nothing is kept and the error names the largest files."""
    files: list[SourceFile] = []

    def listed() -> Iterator[str]:
        total = 0
        for f in walk_source(source):
            files.append(f)
            total += f.size
            if len(files) > limits.max_files or total > limits.max_bytes:
                raise _OverLimit
            yield f.absolute

    try:
        digests = backend.upload_files(workspace, listed())
    except _OverLimit:
        check_limits(list(walk_source(source)), limits, source)
        raise InvalidInput(f"source_directory {source} changed while it was being read; submit again") from None
    for f, digest in zip(files, digests, strict=True):
        cache.remember(f, digest)
    return files, [ManifestEntry.trusted(f.path, d, f.size, f.mode) for f, d in zip(files, digests, strict=True)]


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
    properties = {**git_properties(source), "azureml.runsource": "experiment"}

    def submit_with(snapshot: Snapshot) -> RunEntity:
        return backend.submit_run(
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

    try:
        entity = submit_with(snapshot_folder(workspace, source))
    except NotFound:
        # The remembered snapshot may be gone (a workspace made anew under the same name and
        # place): make it again. Any other NotFound is raised again by the second try.
        entity = submit_with(snapshot_folder(workspace, source, reuse=False))
    backend.dispatch_runs(workspace.name)
    return Run._wrap(experiment, entity)
