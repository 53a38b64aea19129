"""The model registry: versions that auto-increment per name, files, tags, lineage."""

from __future__ import annotations

import json
from collections.abc import Iterator

from kuznia.entities.common import check_name, parse, utcnow
from kuznia.entities.models import (
    Model,
    ModelCreate,
    ModelFiles,
    ModelList,
    ModelQuery,
    ModelUpdate,
)
from kuznia.entities.paths import check_prefix, check_relative_path
from kuznia.entities.snapshots import BlobDigests, ManifestEntry, canonical_manifest
from kuznia.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from kuznia.services import audit, runs, snapshots
from kuznia.services.access import Action
from kuznia.services.scope import Scope
from kuznia.store import deployments as deployment_store
from kuznia.store import files as file_store
from kuznia.store import models as store
from kuznia.store import snapshots as blob_store


def _root_of(entries: list[ManifestEntry]) -> str:
    if not entries:
        raise InvalidInput("a model needs at least one file")
    roots = {e.path.split("/", 1)[0] for e in entries}
    if len(roots) != 1:
        raise InvalidInput("entries: every path must start with the model's one root file or folder")
    root = roots.pop()
    if len(entries) > 1 and any("/" not in e.path for e in entries):
        raise InvalidInput("entries: a model is one file, or one folder of files")
    return root


def _entries_from_run(scope: Scope, run_id: str, run_path: str) -> list[ManifestEntry]:
    base = check_prefix(run_path, "model_path").rstrip("/")
    check_relative_path(base, "model_path")
    with scope.stores.db.read() as conn:
        exact = file_store.read_file(conn, run_id, base)
        below = file_store.list_files(conn, run_id, base + "/", 0, 100_000)
    root = base.rsplit("/", 1)[-1]
    if exact is not None:
        return [ManifestEntry(path=root, digest=exact.digest, size=exact.size)]
    if below:
        return [ManifestEntry(path=f"{root}/{f.path[len(base) + 1:]}", digest=f.digest, size=f.size) for f in below]
    raise NotFound(f"run {run_id!r} has no file or folder {base!r}; see its files with `kuznia run show {run_id}`")


def register_model(scope: Scope, data: ModelCreate) -> Model:
    """Register the next version of a model (1 for a new name), from uploaded files or
    from a run's files (with lineage to that run). Raises NotFound / InvalidInput."""
    scope.require(Action.WRITE, "models")
    data = parse(ModelCreate, data)
    run_id = experiment = None
    if data.entries is not None:
        entries = data.entries
        missing = snapshots.missing_blobs(scope, BlobDigests(digests=[e.digest for e in entries]))
        if missing:
            raise InvalidInput(f"{len(missing)} model file(s) were not uploaded first, e.g. blob {missing[0]}")
    else:
        run = runs.get_run(scope, data.run_id or "")
        run_id, experiment = run.id, run.experiment_name
        entries = _entries_from_run(scope, run.id, data.run_path or "")
    root = _root_of(entries)
    manifest_digest, manifest = canonical_manifest(entries)
    scope.stores.blobs.put_bytes(manifest)
    row = {
        "name": data.name, "description": data.description, "framework": data.model_framework,
        "framework_version": data.model_framework_version, "datasets": data.datasets, "run_id": run_id,
        "experiment_name": experiment, "root": root, "manifest_digest": manifest_digest,
        "file_count": len(entries), "total_bytes": sum(e.size for e in entries), "created_at": utcnow(),
    }
    for _ in range(50):  # concurrent registrations: the loser of a version number tries the next
        with scope.stores.db.write() as conn:
            version = store.insert_next_version(conn, scope.workspace_id, row)
            if version is None:
                continue
            blob_store.add_blobs(conn, scope.workspace_id, [(manifest_digest, len(manifest))]
                                 + [(e.digest, e.size) for e in entries])
            store.set_key_values(conn, store.model_tags, scope.workspace_id, data.name, version, data.tags)
            store.add_properties(conn, scope.workspace_id, data.name, version, data.properties)
        audit.record(scope, "model.register", f"model:{data.name}:{version}", run=run_id)
        return get_model(scope, data.name, version)
    raise ServiceUnavailable(f"model {data.name!r}: too many concurrent registrations; try again")


def get_model(scope: Scope, name: str, version: int | None = None) -> Model:
    """A model version (the latest when ``version`` is None). Raises NotFound."""
    scope.require(Action.READ, "models")
    check_name("model name", name, 63)
    with scope.stores.db.read() as conn:
        found = store.read_model(conn, scope.workspace_id, name, version)
    if found is None:
        which = f"version {version} of " if version is not None else ""
        raise NotFound(f"{which}model {name!r} not found; list them with `kuznia model list`")
    return found


def list_models(scope: Scope, query: ModelQuery) -> ModelList:
    scope.require(Action.READ, "models")
    query = parse(ModelQuery, query)
    with scope.stores.db.read() as conn:
        items, token = store.list_models(conn, scope.workspace_id, query)
    return ModelList(items=items, next_page_token=token)


def update_model(scope: Scope, name: str, version: int, data: ModelUpdate) -> Model:
    """Change the description, set/remove tags, add write-once properties (Conflict on change)."""
    scope.require(Action.WRITE, "registered models")  # not "models": a run token registers, nothing more
    data = parse(ModelUpdate, data)
    get_model(scope, name, version)
    with scope.stores.db.write() as conn:
        existing = store.read_properties(conn, scope.workspace_id, name, version)
        changed = sorted(k for k, v in data.add_properties.items() if k in existing and existing[k] != v)
        if changed:
            raise Conflict(f"properties are write-once; {', '.join(map(repr, changed))} already set on "
                           f"model {name}:{version}; use a tag for values that change")
        store.add_properties(conn, scope.workspace_id, name, version, data.add_properties)
        store.remove_tags(conn, scope.workspace_id, name, version, data.remove_tags)
        store.set_key_values(conn, store.model_tags, scope.workspace_id, name, version, data.set_tags)
        if data.description is not None:
            store.update_description(conn, scope.workspace_id, name, version, data.description)
    audit.record(scope, "model.update", f"model:{name}:{version}")
    return get_model(scope, name, version)


def delete_model(scope: Scope, name: str, version: int) -> None:
    """Delete a model version. Raises NotFound, or Conflict naming the deployments that serve it."""
    scope.require(Action.WRITE, "registered models")
    get_model(scope, name, version)
    with scope.stores.db.read() as conn:
        serving = [r.name for r in deployment_store.list_rows(conn, scope.workspace_id) if f"{name}:{version}" in r.models]
    if serving:
        raise Conflict(f"model {name}:{version} is served by deployment(s) {', '.join(serving)}; "
                       "update or delete them first")
    with scope.stores.db.write() as conn:
        store.delete_model(conn, scope.workspace_id, name, version)
    audit.record(scope, "model.delete", f"model:{name}:{version}")


def get_files(scope: Scope, name: str, version: int | None = None) -> ModelFiles:
    model = get_model(scope, name, version)
    with scope.stores.db.read() as conn:
        row = store.read_row(conn, scope.workspace_id, model.name, model.version)
    rows = json.loads(scope.stores.blobs.read_bytes(row.manifest_digest))
    entries = [ManifestEntry.model_construct(path=p, digest=d, size=s, mode=m) for p, d, s, m in rows]
    return ModelFiles(name=model.name, version=model.version, entries=entries)


def open_file(scope: Scope, name: str, version: int, path: str) -> tuple[ManifestEntry, Iterator[bytes]]:
    check_relative_path(path, "model file")
    for entry in get_files(scope, name, version).entries:
        if entry.path == path:
            return entry, scope.stores.blobs.iter_bytes(entry.digest)
    raise NotFound(f"model {name}:{version} has no file {path!r}")
