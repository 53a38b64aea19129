"""Snapshots of source folders: blobs uploaded once per workspace, manifests, restore."""

from __future__ import annotations

import functools
import json
import os
import tarfile
from collections.abc import Iterable, Iterator
from typing import IO

from kuznia.blobs.store import BlobStore, check_digest, read_chunks
from kuznia.entities.common import parse
from kuznia.entities.paths import check_relative_path
from kuznia.entities.snapshots import (
    BlobDigests,
    ManifestEntry,
    Snapshot,
    SnapshotCreate,
    SnapshotManifest,
    canonical_manifest,
)
from kuznia.errors import Forbidden, InvalidInput, NotFound
from kuznia.services.access import Action
from kuznia.services.scope import Scope
from kuznia.store import runs as run_store
from kuznia.store import snapshots as store

MAX_SNAPSHOT_BYTES = int(os.environ.get("KUZNIA_SERVER_SNAPSHOT_MAX_BYTES", 10 * 1024**3))


def missing_blobs(scope: Scope, digests: BlobDigests) -> list[str]:
    """The digests this workspace has not uploaded yet (in the order given)."""
    scope.require(Action.WRITE, "snapshots")
    return _missing(scope, parse(BlobDigests, digests).digests)


def _missing(scope: Scope, digests: list[str]) -> list[str]:
    """What the workspace lacks of ``digests``: neither in a pack it uploaded nor uploaded alone."""
    wanted = list(dict.fromkeys(digests))
    with scope.stores.db.read() as conn:
        owned = store.owned_packs(conn, scope.workspace_id)
        held = scope.stores.blobs.packs.held_in(wanted, owned) if owned else set()
        rest = [d for d in wanted if d not in held]
        known = store.known_digests(conn, scope.workspace_id, rest) if rest else set()
    return [d for d in rest if d not in known]


def upload_blob(scope: Scope, digest: str, chunks: Iterable[bytes]) -> None:
    """Store one blob; refused (and not kept for this workspace) unless its SHA-256 is ``digest``."""
    check_digest(digest)
    scope.require(Action.WRITE, "snapshots")
    actual, size = scope.stores.blobs.put_stream(chunks)
    _check_content(digest, actual)
    with scope.stores.db.write() as conn:
        store.add_blobs(conn, scope.workspace_id, [(digest, size)])


def upload_blobs(scope: Scope, blobs: Iterable[tuple[str, Iterable[bytes]]]) -> None:
    """Store blobs in one pack, each refused unless its SHA-256 is its digest, and record them
    for the workspace in one transaction (a file and a transaction per blob made a
    10,000-file snapshot slow)."""
    scope.require(Action.WRITE, "snapshots")
    claimed: list[str] = []

    def contents() -> Iterator[Iterable[bytes]]:
        for digest, chunks in blobs:
            claimed.append(check_digest(digest))
            yield chunks

    _, packs = scope.stores.blobs.put_pack(contents(), check=lambda stored: _check_contents(claimed, stored))
    _record(scope, packs)


def upload_local_files(scope: Scope, paths: Iterable[str]) -> list[str]:
    """Store files of this machine, hashing them as they are packed (each read once); their
    digests, in order. Only for the in-process backend: the server never reads local paths
    for a client."""
    scope.require(Action.WRITE, "snapshots")
    stored, packs = scope.stores.blobs.put_files(paths)  # digests computed while storing: nothing to check
    _record(scope, packs)
    return [digest for digest, _ in stored]


def upload_blob_pack(scope: Scope, stream: IO[bytes]) -> int:
    """Store the blobs of a tar stream whose members are named by their digests.

    Every member must be a regular file named by the SHA-256 of its content;
    anything else (links, folders, paths, mismatched content) is refused.
    Returns how many blobs were stored.
    """
    scope.require(Action.WRITE, "snapshots")
    claimed: list[str] = []

    def members() -> Iterator[Iterable[bytes]]:
        with tarfile.open(fileobj=stream, mode="r|") as pack:
            for member in pack:
                if not member.isfile():
                    raise InvalidInput(f"blob pack: {member.name!r} is not a regular file")
                try:
                    claimed.append(check_digest(member.name))
                except InvalidInput:
                    raise InvalidInput(f"blob pack: member {member.name[:80]!r} is not named by a SHA-256 digest") from None
                handle = pack.extractfile(member)
                assert handle is not None
                yield read_chunks(handle)

    try:
        stored, packs = scope.stores.blobs.put_pack(
            members(), check=lambda stored: _check_contents(claimed, stored, "blob pack: content of"))
    except tarfile.TarError as exc:
        raise InvalidInput(f"blob pack: not a readable tar stream ({exc})") from None
    _record(scope, packs)
    return len(stored)


def _record(scope: Scope, packs: list[str]) -> None:
    """Give the workspace the packs just written: it holds every blob in them."""
    with scope.stores.db.write() as conn:
        store.add_packs(conn, scope.workspace_id, packs)


def _check_contents(claimed: list[str], stored: list[tuple[str, int]], what: str = "blob content of") -> None:
    """Refuse the upload (before anything is kept) if a blob is not what it claimed to be."""
    for digest, (actual, _) in zip(claimed, stored, strict=True):
        _check_content(digest, actual, what)


def _check_content(claimed: str, actual: str, what: str = "blob content of") -> None:
    if actual != claimed:
        raise InvalidInput(f"{what} {claimed} has digest {actual}; the upload was corrupted")


def create_snapshot(scope: Scope, data: SnapshotCreate) -> Snapshot:
    """Record a snapshot whose blobs the workspace has all uploaded; its id is the
    SHA-256 of the canonical manifest, so the same folder gives the same id."""
    scope.require(Action.WRITE, "snapshots")
    data = parse(SnapshotCreate, data)
    total = sum(e.size for e in data.entries)
    if total > MAX_SNAPSHOT_BYTES:
        raise InvalidInput(f"snapshot of {total} bytes is over this server's limit of {MAX_SNAPSHOT_BYTES}")
    missing = _missing(scope, [e.digest for e in data.entries])
    if missing:
        raise InvalidInput(f"snapshot: {len(missing)} file(s) were not uploaded first, e.g. blob {missing[0]}")
    snapshot_id, manifest = canonical_manifest(data.entries)
    digest, size = scope.stores.blobs.put_bytes(manifest)
    with scope.stores.db.write() as conn:
        store.add_blobs(conn, scope.workspace_id, [(digest, size)])
        return store.insert_snapshot(conn, scope.workspace_id, snapshot_id, len(data.entries), total)


def get_snapshot(scope: Scope, snapshot_id: str) -> Snapshot:
    check_digest(snapshot_id)
    _check_snapshot_access(scope, snapshot_id)
    with scope.stores.db.read() as conn:
        found = store.read_snapshot(conn, scope.workspace_id, snapshot_id)
    if found is None:
        raise NotFound(f"snapshot {snapshot_id} not found in workspace {scope.workspace.name!r}")
    return found


def _check_snapshot_access(scope: Scope, snapshot_id: str) -> None:
    """A run's token reads only its own run's snapshot; others need the reader role."""
    principal = scope.principal
    if principal.kind != "run":
        scope.require(Action.READ, "snapshots")
        return
    with scope.stores.db.read() as conn:
        own = run_store.read_run(conn, scope.workspace_id, principal.run_id or "")
    if own is None or own.snapshot_id != snapshot_id:
        raise Forbidden("a run's token may only read its own run's snapshot")


def get_manifest(scope: Scope, snapshot_id: str) -> SnapshotManifest:
    """The files of a snapshot. Raises NotFound."""
    get_snapshot(scope, snapshot_id)
    return SnapshotManifest(id=snapshot_id, entries=list(_parsed_manifest(scope.stores.blobs, snapshot_id).values()))


@functools.lru_cache(maxsize=16)
def _parsed_manifest(blobs: BlobStore, snapshot_id: str) -> dict[str, ManifestEntry]:
    # A manifest's id is the hash of its content, so a parsed one never goes stale; a run's
    # bootstrap asks for every file of its snapshot, one by one.
    rows = json.loads(blobs.read_bytes(snapshot_id))
    return {p: ManifestEntry.model_construct(path=p, digest=d, size=s, mode=m) for p, d, s, m in rows}


def open_snapshot_file(scope: Scope, snapshot_id: str, path: str) -> tuple[ManifestEntry, Iterator[bytes]]:
    """One file of a snapshot and an iterator over its bytes."""
    check_relative_path(path, "snapshot path")
    get_snapshot(scope, snapshot_id)
    entry = _parsed_manifest(scope.stores.blobs, snapshot_id).get(path)
    if entry is None:
        raise NotFound(f"snapshot {snapshot_id[:12]} has no file {path!r}")
    return entry, scope.stores.blobs.iter_bytes(entry.digest)
