"""Deployment rows and their replicas."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import IntegrityError

from kuznia.errors import Conflict
from kuznia.store.dialects import lock_rows
from kuznia.store.tables import deployment_replicas, deployments, workspaces


def insert(conn: Connection, row: dict[str, Any]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(deployments.insert(), row)
    except IntegrityError:
        raise Conflict(f"a deployment named {row['name']!r} already exists; pass overwrite=True to replace it") from None


def read(conn: Connection, workspace_id: str, name: str, for_update: bool = False) -> Any:
    stmt = select(deployments).where(deployments.c.workspace_id == workspace_id, deployments.c.name == name)
    return conn.execute(lock_rows(conn, stmt) if for_update else stmt).first()


def list_rows(conn: Connection, workspace_id: str) -> list[Any]:
    return list(conn.execute(select(deployments).where(deployments.c.workspace_id == workspace_id)
                             .order_by(deployments.c.name)))


def managed(conn: Connection, local: bool) -> list[tuple[str, str]]:
    """(workspace name, deployment name) of every deployment served locally or by a server."""
    rows = conn.execute(select(workspaces.c.name, deployments.c.name)
                        .join(workspaces, workspaces.c.id == deployments.c.workspace_id)
                        .where(deployments.c.local == local))
    return [(w, d) for w, d in rows]


def change(conn: Connection, workspace_id: str, name: str, values: dict[str, Any]) -> None:
    if values:
        conn.execute(update(deployments).where(deployments.c.workspace_id == workspace_id,
                                               deployments.c.name == name).values(**values))


def remove(conn: Connection, workspace_id: str, name: str) -> None:
    conn.execute(delete(deployments).where(deployments.c.workspace_id == workspace_id, deployments.c.name == name))


def replicas(conn: Connection, workspace_id: str, name: str) -> list[Any]:
    return list(conn.execute(select(deployment_replicas).where(
        deployment_replicas.c.workspace_id == workspace_id, deployment_replicas.c.deployment == name)
        .order_by(deployment_replicas.c.started_at)))


def all_replica_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(deployment_replicas.c.id)).scalars())


def add_replica(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(deployment_replicas.insert(), row)


def change_replica(conn: Connection, replica_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(deployment_replicas).where(deployment_replicas.c.id == replica_id).values(**values))


def remove_replica(conn: Connection, replica_id: str) -> None:
    conn.execute(delete(deployment_replicas).where(deployment_replicas.c.id == replica_id))
