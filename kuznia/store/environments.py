"""Registered environment versions."""

from __future__ import annotations

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from kuznia.entities.common import utcnow
from kuznia.entities.environments import EnvironmentSpec, EnvironmentVersion
from kuznia.store.tables import environments


def _entity(row) -> EnvironmentVersion:  # noqa: ANN001
    spec = EnvironmentSpec.model_validate(row.spec)
    return EnvironmentVersion(name=row.name, version=row.version, spec=spec, created_at=row.created_at)


def latest_version(conn: Connection, workspace_id: str, name: str) -> EnvironmentVersion | None:
    row = conn.execute(
        select(environments).where(environments.c.workspace_id == workspace_id, environments.c.name == name)
        .order_by(environments.c.version.desc()).limit(1)
    ).first()
    return _entity(row) if row else None


def read_version(conn: Connection, workspace_id: str, name: str, version: int) -> EnvironmentVersion | None:
    row = conn.execute(
        select(environments).where(environments.c.workspace_id == workspace_id, environments.c.name == name,
                                   environments.c.version == version)
    ).first()
    return _entity(row) if row else None


def insert_next_version(conn: Connection, workspace_id: str, spec: EnvironmentSpec) -> EnvironmentVersion | None:
    """Insert ``spec`` as the next version; None when another writer took that number first."""
    current = conn.execute(
        select(func.max(environments.c.version)).where(
            environments.c.workspace_id == workspace_id, environments.c.name == spec.name)
    ).scalar()
    version = (current or 0) + 1
    stored = spec.model_copy(update={"version": version})
    now = utcnow()
    row = {"workspace_id": workspace_id, "name": spec.name, "version": version,
           "spec": stored.model_dump(mode="json"), "created_at": now}
    try:
        with conn.begin_nested():
            conn.execute(environments.insert(), row)
    except IntegrityError:
        return None
    return EnvironmentVersion(name=spec.name, version=version, spec=stored, created_at=now)


def list_latest(conn: Connection, workspace_id: str, offset: int, limit: int) -> list[EnvironmentVersion]:
    newest = (
        select(environments.c.name, func.max(environments.c.version).label("version"))
        .where(environments.c.workspace_id == workspace_id).group_by(environments.c.name).subquery()
    )
    rows = conn.execute(
        select(environments).join(newest, (environments.c.name == newest.c.name)
                                  & (environments.c.version == newest.c.version))
        .where(environments.c.workspace_id == workspace_id)
        .order_by(environments.c.name).offset(offset).limit(limit)
    )
    return [_entity(r) for r in rows]


def list_versions(conn: Connection, workspace_id: str, name: str) -> list[EnvironmentVersion]:
    rows = conn.execute(
        select(environments).where(environments.c.workspace_id == workspace_id, environments.c.name == name)
        .order_by(environments.c.version)
    )
    return [_entity(r) for r in rows]


def all_specs(conn: Connection) -> list[EnvironmentSpec]:
    """Every registered spec of every workspace (what cache pruning must keep)."""
    return [EnvironmentSpec.model_validate(r.spec) for r in conn.execute(select(environments.c.spec))]
