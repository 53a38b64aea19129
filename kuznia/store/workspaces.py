"""Workspace rows."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from kuznia.entities.common import utcnow
from kuznia.entities.workspaces import Workspace, WorkspaceCreate
from kuznia.errors import Conflict
from kuznia.store.tables import workspaces


def _entity(row) -> Workspace:  # noqa: ANN001
    return Workspace(id=row.id, name=row.name, description=row.description, created_at=row.created_at)


def create_workspace(conn: Connection, data: WorkspaceCreate) -> Workspace:
    row = {
        "id": str(uuid.uuid4()),
        "name": data.name,
        "description": data.description,
        "created_at": utcnow(),
    }
    try:
        with conn.begin_nested():
            conn.execute(workspaces.insert(), row)
    except IntegrityError:
        raise Conflict(f"workspace {data.name!r} already exists") from None
    return Workspace.model_validate(row)


def read_workspace(conn: Connection, name: str) -> Workspace | None:
    row = conn.execute(select(workspaces).where(workspaces.c.name == name)).first()
    return _entity(row) if row else None


def list_workspaces(conn: Connection, offset: int, limit: int) -> list[Workspace]:
    rows = conn.execute(select(workspaces).order_by(workspaces.c.name).offset(offset).limit(limit))
    return [_entity(r) for r in rows]


def delete_workspace(conn: Connection, workspace_id: str) -> None:
    conn.execute(workspaces.delete().where(workspaces.c.id == workspace_id))
