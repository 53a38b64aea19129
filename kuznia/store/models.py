"""Model versions with their tags and properties."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select
from sqlalchemy.exc import IntegrityError

from kuznia.entities.models import Model, ModelQuery
from kuznia.store.dialects import insert_ignore
from kuznia.store.paging import decode_page_token, next_token
from kuznia.store.tables import model_properties, model_tags, models


def insert_next_version(conn: Connection, workspace_id: str, row: dict[str, Any]) -> int | None:
    """Insert as the next version of its name; None when another writer took the number."""
    current = conn.execute(select(func.max(models.c.version)).where(
        models.c.workspace_id == workspace_id, models.c.name == row["name"])).scalar()
    version = (current or 0) + 1
    try:
        with conn.begin_nested():
            conn.execute(models.insert(), {**row, "workspace_id": workspace_id, "version": version})
    except IntegrityError:
        return None
    return version


def set_key_values(conn: Connection, table, workspace_id: str, name: str, version: int,  # noqa: ANN001
                   values: dict[str, str]) -> None:
    if not values:
        return
    where = and_(table.c.workspace_id == workspace_id, table.c.model_name == name, table.c.model_version == version)
    conn.execute(delete(table).where(where, table.c.key.in_(list(values))))
    conn.execute(table.insert(), [{"workspace_id": workspace_id, "model_name": name, "model_version": version,
                                   "key": k, "value": v} for k, v in values.items()])


def remove_tags(conn: Connection, workspace_id: str, name: str, version: int, keys: list[str]) -> None:
    if keys:
        conn.execute(delete(model_tags).where(
            model_tags.c.workspace_id == workspace_id, model_tags.c.model_name == name,
            model_tags.c.model_version == version, model_tags.c.key.in_(keys)))


def add_properties(conn: Connection, workspace_id: str, name: str, version: int, values: dict[str, str]) -> None:
    insert_ignore(conn, model_properties, [
        {"workspace_id": workspace_id, "model_name": name, "model_version": version, "key": k, "value": v}
        for k, v in values.items()])


def read_properties(conn: Connection, workspace_id: str, name: str, version: int) -> dict[str, str]:
    rows = conn.execute(select(model_properties.c.key, model_properties.c.value).where(
        model_properties.c.workspace_id == workspace_id, model_properties.c.model_name == name,
        model_properties.c.model_version == version))
    return dict(rows.all())


def read_row(conn: Connection, workspace_id: str, name: str, version: int | None) -> Any:
    stmt = select(models).where(models.c.workspace_id == workspace_id, models.c.name == name)
    stmt = stmt.where(models.c.version == version) if version is not None else stmt.order_by(models.c.version.desc())
    return conn.execute(stmt.limit(1)).first()


def read_model(conn: Connection, workspace_id: str, name: str, version: int | None) -> Model | None:
    row = read_row(conn, workspace_id, name, version)
    return _hydrate(conn, workspace_id, [row])[0] if row else None


def list_models(conn: Connection, workspace_id: str, query: ModelQuery) -> tuple[list[Model], str | None]:
    offset = decode_page_token(query.page_token)
    stmt = select(models).where(models.c.workspace_id == workspace_id)
    if query.name:
        stmt = stmt.where(models.c.name == query.name)
    if query.run_id:
        stmt = stmt.where(models.c.run_id == query.run_id)
    for table, wanted in ((model_tags, query.tags), (model_properties, query.properties)):
        for key, value in wanted.items():
            match = select(table.c.key).where(
                table.c.workspace_id == models.c.workspace_id, table.c.model_name == models.c.name,
                table.c.model_version == models.c.version, table.c.key == key)
            if value is not None:
                match = match.where(table.c.value == value)
            stmt = stmt.where(match.exists())
    if query.latest:  # no newer version of the same name exists
        newer = models.alias("newer")
        stmt = stmt.where(~select(newer.c.version).where(
            newer.c.workspace_id == models.c.workspace_id, newer.c.name == models.c.name,
            newer.c.version > models.c.version).exists())
    rows = conn.execute(stmt.order_by(models.c.name, models.c.version.desc())
                        .offset(offset).limit(query.max_results + 1)).all()
    return _hydrate(conn, workspace_id, rows[: query.max_results]), next_token(offset, query.max_results, len(rows))


def delete_model(conn: Connection, workspace_id: str, name: str, version: int) -> None:
    for table in (model_tags, model_properties):
        conn.execute(delete(table).where(table.c.workspace_id == workspace_id, table.c.model_name == name,
                                         table.c.model_version == version))
    conn.execute(delete(models).where(models.c.workspace_id == workspace_id, models.c.name == name,
                                      models.c.version == version))


def update_description(conn: Connection, workspace_id: str, name: str, version: int, description: str) -> None:
    conn.execute(models.update().where(models.c.workspace_id == workspace_id, models.c.name == name,
                                       models.c.version == version).values(description=description))


def _hydrate(conn: Connection, workspace_id: str, rows: Sequence[Any]) -> list[Model]:
    keys = [(r.name, r.version) for r in rows]
    extra: dict[str, dict[tuple[str, int], dict[str, str]]] = {"tags": defaultdict(dict), "props": defaultdict(dict)}
    names = sorted({n for n, _ in keys})
    for label, table in (("tags", model_tags), ("props", model_properties)):
        if not names:
            continue
        for name, version, key, value in conn.execute(
            select(table.c.model_name, table.c.model_version, table.c.key, table.c.value).where(
                table.c.workspace_id == workspace_id, table.c.model_name.in_(names))).all():
            extra[label][(name, version)][key] = value
    return [
        Model(
            name=r.name, version=r.version, id=f"{r.name}:{r.version}", description=r.description,
            tags=dict(sorted(extra["tags"][(r.name, r.version)].items())),
            properties=dict(sorted(extra["props"][(r.name, r.version)].items())),
            model_framework=r.framework, model_framework_version=r.framework_version, datasets=r.datasets,
            run_id=r.run_id, experiment_name=r.experiment_name, root=r.root, file_count=r.file_count,
            total_bytes=r.total_bytes, created_at=r.created_at,
        )
        for r in rows
    ]

