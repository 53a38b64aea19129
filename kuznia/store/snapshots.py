"""Snapshot rows and the per-workspace record of uploaded blobs."""

from __future__ import annotations

from sqlalchemy import Connection, select

from kuznia.entities.common import utcnow
from kuznia.entities.snapshots import Snapshot
from kuznia.store.dialects import insert_ignore
from kuznia.store.tables import snapshots, workspace_blobs

_IN_BATCH = 500


def known_digests(conn: Connection, workspace_id: str, digests: list[str]) -> set[str]:
    found: set[str] = set()
    unique = sorted(set(digests))
    for start in range(0, len(unique), _IN_BATCH):
        part = unique[start : start + _IN_BATCH]
        found.update(conn.execute(
            select(workspace_blobs.c.digest).where(
                workspace_blobs.c.workspace_id == workspace_id, workspace_blobs.c.digest.in_(part))
        ).scalars())
    return found


def add_blobs(conn: Connection, workspace_id: str, blobs: list[tuple[str, int]]) -> None:
    insert_ignore(conn, workspace_blobs, [
        {"workspace_id": workspace_id, "digest": d, "size": s} for d, s in blobs
    ])


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
