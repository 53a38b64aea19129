"""Snapshot rows and the per-workspace record of uploaded blobs."""

from __future__ import annotations

from sqlalchemy import Connection, select

from kuznia.entities.common import utcnow
from kuznia.entities.snapshots import Snapshot
from kuznia.store.dialects import among, insert_ignore
from kuznia.store.tables import snapshots, workspace_blobs, workspace_packs


def known_digests(conn: Connection, workspace_id: str, digests: list[str]) -> set[str]:
    if not digests:
        return set()
    return set(conn.execute(
        select(workspace_blobs.c.digest).where(
            workspace_blobs.c.workspace_id == workspace_id, among(conn, workspace_blobs.c.digest, sorted(set(digests))))
    ).scalars())


def add_blobs(conn: Connection, workspace_id: str, blobs: list[tuple[str, int]]) -> None:
    insert_ignore(conn, workspace_blobs, [
        {"workspace_id": workspace_id, "digest": d, "size": s} for d, s in blobs
    ], count=False)


def add_packs(conn: Connection, workspace_id: str, packs: list[str]) -> None:
    insert_ignore(conn, workspace_packs, [{"workspace_id": workspace_id, "pack": p} for p in packs], count=False)


def owned_packs(conn: Connection, workspace_id: str) -> set[str]:
    return set(conn.execute(
        select(workspace_packs.c.pack).where(workspace_packs.c.workspace_id == workspace_id)).scalars())


def insert_snapshot(conn: Connection, workspace_id: str, snapshot_id: str, file_count: int, total_bytes: int) -> Snapshot:
    now = utcnow()
    insert_ignore(conn, snapshots, {
        "workspace_id": workspace_id, "id": snapshot_id, "file_count": file_count,
        "total_bytes": total_bytes, "created_at": now,
    })
    found = read_snapshot(conn, workspace_id, snapshot_id)
    assert found is not None
    return found


def read_snapshot(conn: Connection, workspace_id: str, snapshot_id: str) -> Snapshot | None:
    row = conn.execute(
        select(snapshots).where(snapshots.c.workspace_id == workspace_id, snapshots.c.id == snapshot_id)
    ).first()
    if row is None:
        return None
    return Snapshot(id=row.id, file_count=row.file_count, total_bytes=row.total_bytes, created_at=row.created_at)
