"""Run rows, with their tags, properties and latest metric values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import IntegrityError

from kuznia.entities.filters import parse_filter, parse_order_by
from kuznia.entities.runs import ErrorDetails, Run, RunDefinition, RunQuery, RunStatus, StatusChange
from kuznia.errors import Conflict
from kuznia.store.dialects import insert_ignore
from kuznia.store.paging import decode_page_token, next_token
from kuznia.store.run_filters import compile_filter, compile_order
from kuznia.store.tables import experiments, metric_summaries, run_properties, run_tags, runs

_RUN_COLUMNS = [*runs.c, experiments.c.name.label("experiment_name")]


def insert_run(conn: Connection, row: dict[str, Any], tags: dict[str, str], properties: dict[str, str]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(runs.insert(), row)
    except IntegrityError:
        raise Conflict(f"run id {row['id']!r} already exists; choose another id") from None
    set_key_values(conn, run_tags, row["id"], tags)
    set_key_values(conn, run_properties, row["id"], properties)


def read_runs(conn: Connection, workspace_id: str, run_ids: Sequence[str]) -> list[Run]:
    """Runs by id, in the order given; unknown ids are left out."""
    if not run_ids:
        return []
    rows = conn.execute(
        select(*_RUN_COLUMNS)
        .join(experiments, experiments.c.id == runs.c.experiment_id)
        .where(runs.c.id.in_(list(run_ids)))  # by primary key; SQLite has no statistics to choose better
    ).all()
    return _hydrate(conn, [r for r in rows if r.workspace_id == workspace_id], order=run_ids)


def read_run(conn: Connection, workspace_id: str, run_id: str) -> Run | None:
    found = read_runs(conn, workspace_id, [run_id])
    return found[0] if found else None


def read_status(conn: Connection, workspace_id: str, run_id: str, for_update: bool = False) -> RunStatus | None:
    state = read_state(conn, workspace_id, run_id, for_update)
    return RunStatus(state["status"]) if state else None


def read_state(conn: Connection, workspace_id: str, run_id: str, for_update: bool = False) -> dict[str, Any] | None:
    """The columns that status rules need, optionally locked for update."""
    stmt = select(
        runs.c.status, runs.c.timeline, runs.c.start_time, runs.c.run_type, runs.c.compute_target,
        runs.c.process_host, runs.c.process_id, runs.c.script_pid, runs.c.heartbeat_at,
    ).where(runs.c.workspace_id == workspace_id, runs.c.id == run_id)
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    return dict(row._mapping) if row else None


def read_workspace_of(conn: Connection, run_id: str) -> str | None:
    return conn.execute(select(runs.c.workspace_id).where(runs.c.id == run_id)).scalar()


def ancestors(conn: Connection, run_id: str, limit: int = 64) -> list[str]:
    """Parent, grandparent, … of a run (nearest first)."""
    found: list[str] = []
    current: str | None = run_id
    while current is not None and len(found) < limit:
        current = conn.execute(select(runs.c.parent_run_id).where(runs.c.id == current)).scalar()
        if current is not None:
            found.append(current)
    return found


def update_run_row(conn: Connection, run_id: str, values: dict[str, Any]) -> None:
    if values:
        conn.execute(update(runs).where(runs.c.id == run_id).values(**values))


def set_key_values(conn: Connection, table, run_id: str, values: dict[str, str]) -> None:  # noqa: ANN001
    """Upsert tags or properties of a run."""
    if not values:
        return
    conn.execute(delete(table).where(table.c.run_id == run_id, table.c.key.in_(list(values))))
    conn.execute(table.insert(), [{"run_id": run_id, "key": k, "value": v} for k, v in values.items()])


def remove_tags(conn: Connection, run_id: str, keys: list[str]) -> None:
    if keys:
        conn.execute(delete(run_tags).where(run_tags.c.run_id == run_id, run_tags.c.key.in_(keys)))


def read_properties(conn: Connection, run_id: str, keys: list[str]) -> dict[str, str]:
    rows = conn.execute(
        select(run_properties.c.key, run_properties.c.value).where(
            run_properties.c.run_id == run_id, run_properties.c.key.in_(keys)
        )
    )
    return {r.key: r.value for r in rows}


def add_properties(conn: Connection, run_id: str, values: dict[str, str]) -> None:
    insert_ignore(conn, run_properties, [{"run_id": run_id, "key": k, "value": v} for k, v in values.items()])


def list_runs(
    conn: Connection, workspace_id: str, query: RunQuery, experiment_id: str | None
) -> tuple[list[Run], str | None]:
    offset = decode_page_token(query.page_token)
    node = parse_filter(query.filter)
    order = compile_order(parse_order_by(query.order_by))
    stmt = select(runs.c.id).where(runs.c.workspace_id == workspace_id, compile_filter(node))
    if experiment_id is not None:
        stmt = stmt.where(runs.c.experiment_id == experiment_id)
    if query.parent_run_id is not None:
        stmt = stmt.where(runs.c.parent_run_id == query.parent_run_id)
    elif not query.include_children:
        stmt = stmt.where(runs.c.parent_run_id.is_(None))
    if query.statuses:
        stmt = stmt.where(runs.c.status.in_([s.value for s in query.statuses]))
    if query.run_type:
        stmt = stmt.where(runs.c.run_type == query.run_type)
    for table, wanted in ((run_tags, query.tags), (run_properties, query.properties)):
        for key, value in wanted.items():
            match = select(table.c.run_id).where(table.c.run_id == runs.c.id, table.c.key == key)
            if value is not None:
                match = match.where(table.c.value == value)
            stmt = stmt.where(match.exists())
    stmt = stmt.order_by(*order, runs.c.created_at.desc(), runs.c.id.desc())
    ids = conn.execute(stmt.offset(offset).limit(query.max_results + 1)).scalars().all()
    items = read_runs(conn, workspace_id, ids[: query.max_results])
    return items, next_token(offset, query.max_results, len(ids))


def child_run_ids(conn: Connection, parent_ids: Sequence[str]) -> list[str]:
    if not parent_ids:
        return []
    return list(
        conn.execute(
            select(runs.c.id)
            .where(runs.c.parent_run_id.in_(list(parent_ids)))
            .order_by(runs.c.created_at, runs.c.id)
        ).scalars()
    )


def _hydrate(conn: Connection, rows: Sequence[Any], order: Sequence[str]) -> list[Run]:
    ids = [r.id for r in rows]
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    props: dict[str, dict[str, str]] = defaultdict(dict)
    metrics: dict[str, dict[str, float | None]] = defaultdict(dict)
    # .all() and plain tuples: row-by-row iteration costs more than the queries here
    for table, target in ((run_tags, tags), (run_properties, props)):
        for run_id, key, value in conn.execute(
            select(table.c.run_id, table.c.key, table.c.value).where(table.c.run_id.in_(ids))
        ).all():
            target[run_id][key] = value
    for run_id, name, value in conn.execute(
        select(metric_summaries.c.run_id, metric_summaries.c.name, metric_summaries.c.last_value).where(
            metric_summaries.c.run_id.in_(ids), metric_summaries.c.kind == "scalar"
        )
    ).all():
        metrics[run_id][name] = value
    by_id = {
        r.id: Run(
            id=r.id,
            experiment_name=r.experiment_name,
            experiment_id=r.experiment_id,
            number=r.number,
            display_name=r.display_name,
            description=r.description,
            run_type=r.run_type,
            status=RunStatus(r.status),
            parent_run_id=r.parent_run_id,
            created_at=r.created_at,
            start_time=r.start_time,
            end_time=r.end_time,
            tags=dict(sorted(tags[r.id].items())),
            properties=dict(sorted(props[r.id].items())),
            error=ErrorDetails(**r.error) if r.error else None,
            metrics=dict(sorted(metrics[r.id].items())),
            compute_target=r.compute_target,
            snapshot_id=r.snapshot_id,
            definition=RunDefinition.model_validate(r.definition) if r.definition else None,
            timeline=[StatusChange(status=s, at=datetime.fromisoformat(at)) for s, at in r.timeline or []],
        )
        for r in rows
    }
    return [by_id[i] for i in order if i in by_id]


def touch_heartbeat(conn: Connection, run_id: str, now: datetime) -> None:
    conn.execute(update(runs).where(runs.c.id == run_id).values(heartbeat_at=now))
