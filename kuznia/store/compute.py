"""Compute target rows, and the run queries the dispatcher needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, update

from kuznia.entities.common import utcnow
from kuznia.entities.compute import ComputeKind, ComputeSettings, ComputeTarget
from kuznia.entities.runs import RunStatus
from kuznia.store.dialects import insert_ignore, lock_rows
from kuznia.store.tables import compute_targets, runs, workspaces

# Statuses that hold a slot of a target: the run's process exists (or should).
ACTIVE_STATUSES = [
    s.value for s in (RunStatus.PREPARING, RunStatus.STARTING, RunStatus.RUNNING, RunStatus.FINALIZING,
                      RunStatus.CANCEL_REQUESTED, RunStatus.NOT_RESPONDING)
]


def ensure_default_target(conn: Connection, workspace_id: str) -> None:
    insert_ignore(conn, compute_targets, {
        "workspace_id": workspace_id,
        "name": "local",
        "kind": ComputeKind.LOCAL.value,
        "settings": ComputeSettings().model_dump(),
        "created_at": utcnow(),
    })


def _counts(conn: Connection, workspace_id: str) -> dict[tuple[str, str], int]:
    rows = conn.execute(
        select(runs.c.compute_target, runs.c.status, func.count())
        .where(runs.c.workspace_id == workspace_id, runs.c.compute_target.is_not(None),
               runs.c.status.in_([*ACTIVE_STATUSES, RunStatus.QUEUED.value]))
        .group_by(runs.c.compute_target, runs.c.status)
    )
    return {(r[0], r[1]): r[2] for r in rows}


def _entity(row: Any, counts: dict[tuple[str, str], int]) -> ComputeTarget:
    return ComputeTarget(
        name=row.name,
        kind=ComputeKind(row.kind),
        settings=ComputeSettings.model_validate(row.settings),
        created_at=row.created_at,
        active_runs=sum(counts.get((row.name, s), 0) for s in ACTIVE_STATUSES),
        queued_runs=counts.get((row.name, RunStatus.QUEUED.value), 0),
    )


def list_targets(conn: Connection, workspace_id: str) -> list[ComputeTarget]:
    counts = _counts(conn, workspace_id)
    rows = conn.execute(
        select(compute_targets).where(compute_targets.c.workspace_id == workspace_id).order_by(compute_targets.c.name)
    )
    return [_entity(r, counts) for r in rows]


def read_target(conn: Connection, workspace_id: str, name: str) -> ComputeTarget | None:
    row = conn.execute(
        select(compute_targets).where(compute_targets.c.workspace_id == workspace_id, compute_targets.c.name == name)
    ).first()
    return _entity(row, _counts(conn, workspace_id)) if row else None


def insert_target(conn: Connection, workspace_id: str, name: str, kind: ComputeKind, settings: ComputeSettings) -> bool:
    return insert_ignore(conn, compute_targets, {
        "workspace_id": workspace_id, "name": name, "kind": kind.value,
        "settings": settings.model_dump(), "created_at": utcnow(),
    }) > 0


def update_settings(conn: Connection, workspace_id: str, name: str, settings: ComputeSettings) -> None:
    conn.execute(
        update(compute_targets)
        .where(compute_targets.c.workspace_id == workspace_id, compute_targets.c.name == name)
        .values(settings=settings.model_dump())
    )


def lock_targets(conn: Connection, workspace_id: str) -> list[Any]:
    """All targets of a workspace, locked: one dispatcher at a time per workspace."""
    return list(conn.execute(lock_rows(conn, select(compute_targets).where(
        compute_targets.c.workspace_id == workspace_id))))


def active_count(conn: Connection, workspace_id: str, target: str) -> int:
    return conn.execute(
        select(func.count()).where(runs.c.workspace_id == workspace_id, runs.c.compute_target == target,
                                   runs.c.status.in_(ACTIVE_STATUSES))
    ).scalar_one()


def queued_run_ids(conn: Connection, workspace_id: str, target: str, limit: int) -> list[str]:
    """Oldest queued runs first: submission order."""
    return list(conn.execute(
        select(runs.c.id)
        .where(runs.c.workspace_id == workspace_id, runs.c.compute_target == target,
               runs.c.status == RunStatus.QUEUED.value)
        .order_by(runs.c.created_at, runs.c.number)
        .limit(limit)
    ).scalars())


def live_runs(conn: Connection, workspace_id: str) -> list[Any]:
    """Submitted runs whose process should be alive, with what the reaper needs."""
    return list(conn.execute(
        select(runs.c.id, runs.c.status, runs.c.heartbeat_at, runs.c.compute_target,
               runs.c.process_host, runs.c.process_id, runs.c.process_started, runs.c.script_pid,
               runs.c.timeline)
        .where(runs.c.workspace_id == workspace_id, runs.c.compute_target.is_not(None),
               runs.c.status.in_(ACTIVE_STATUSES))
    ))


def workspaces_with_work(conn: Connection) -> list[str]:
    return list(conn.execute(
        select(workspaces.c.name).where(workspaces.c.id.in_(
            select(runs.c.workspace_id).where(
                runs.c.compute_target.is_not(None),
                runs.c.status.in_([*ACTIVE_STATUSES, RunStatus.QUEUED.value]),
            )
        )).order_by(workspaces.c.name)
    ).scalars())
