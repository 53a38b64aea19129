"""Experiment rows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, select, update

from kuznia.entities.common import utcnow
from kuznia.entities.experiments import Experiment, ExperimentQuery, ExperimentUpdate, ViewType
from kuznia.store.dialects import insert_ignore
from kuznia.store.paging import decode_page_token, next_token
from kuznia.store.tables import experiments


def _entity(row) -> Experiment:  # noqa: ANN001
    return Experiment(
        id=row.id,
        name=row.name,
        description=row.description,
        archived=row.archived_at is not None,
        archived_at=row.archived_at,
        created_at=row.created_at,
        last_activity=row.last_activity,
        run_count=row.run_count,
    )


def read_experiment(conn: Connection, workspace_id: str, name: str) -> Experiment | None:
    row = conn.execute(
        select(experiments).where(
            experiments.c.workspace_id == workspace_id, experiments.c.name == name
        )
    ).first()
    return _entity(row) if row else None


def ensure_experiment(conn: Connection, workspace_id: str, name: str, description: str = "") -> Experiment:
    """Return the experiment, creating it first when it does not exist (race-safe)."""
    found = read_experiment(conn, workspace_id, name)
    if found:
        return found
    insert_ignore(
        conn,
        experiments,
        {
            "id": str(uuid.uuid4()),
            "workspace_id": workspace_id,
            "name": name,
            "description": description,
            "created_at": utcnow(),
            "run_count": 0,
        },
    )
    created = read_experiment(conn, workspace_id, name)
    assert created is not None
    return created


def take_run_number(conn: Connection, experiment_id: str, now: datetime) -> int:
    """Reserve the next run number of an experiment (atomic on both databases)."""
    return conn.execute(
        update(experiments)
        .where(experiments.c.id == experiment_id)
        .values(run_count=experiments.c.run_count + 1, last_activity=now)
        .returning(experiments.c.run_count)
    ).scalar_one()


def list_experiments(conn: Connection, workspace_id: str, query: ExperimentQuery) -> tuple[list[Experiment], str | None]:
    offset = decode_page_token(query.page_token)
    stmt = select(experiments).where(experiments.c.workspace_id == workspace_id)
    if query.view_type == ViewType.ACTIVE_ONLY:
        stmt = stmt.where(experiments.c.archived_at.is_(None))
    elif query.view_type == ViewType.ARCHIVED_ONLY:
        stmt = stmt.where(experiments.c.archived_at.is_not(None))
    if query.name:
        stmt = stmt.where(experiments.c.name == query.name)
    rows = conn.execute(
        stmt.order_by(experiments.c.name).offset(offset).limit(query.max_results + 1)
    ).all()
    items = [_entity(r) for r in rows[: query.max_results]]
    return items, next_token(offset, query.max_results, len(rows))


def update_experiment(conn: Connection, experiment_id: str, data: ExperimentUpdate) -> None:
    values: dict[str, object] = {}
    changes = data.model_dump(exclude_unset=True)
    if "description" in changes and changes["description"] is not None:
        values["description"] = changes["description"]
    if "archived" in changes and changes["archived"] is not None:
        values["archived_at"] = utcnow() if changes["archived"] else None
    if values:
        conn.execute(update(experiments).where(experiments.c.id == experiment_id).values(**values))
