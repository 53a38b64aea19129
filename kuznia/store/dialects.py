"""The few places where SQLite and PostgreSQL need different SQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, Table, any_, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite


def _insert(conn: Connection, table: Table):  # noqa: ANN202
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]] | dict[str, Any],
                  count: bool = True) -> int:
    """Insert rows, skipping any whose primary or unique key already exists; how many were
    inserted (only when ``count``: without RETURNING, 10,000 rows go in about twice as fast)."""
    if not rows:
        return 0
    stmt = _insert(conn, table).on_conflict_do_nothing()
    if not count:
        conn.execute(stmt, rows)
        return -1
    # RETURNING counts what was inserted on both databases; rowcount of a batched
    # insert is -1 on PostgreSQL.
    key = next(iter(table.primary_key.columns))
    return len(conn.execute(stmt.returning(key), rows).all())


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str], update: list[str]) -> None:
    """Insert rows, or update ``update`` columns where ``keys`` already exist."""
    if not rows:
        return
    stmt = _insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={name: stmt.excluded[name] for name in update}
    )
    conn.execute(stmt, rows)


def lock_rows(conn: Connection, stmt):  # noqa: ANN001, ANN201
    """SELECT … FOR UPDATE on PostgreSQL; SQLite already holds the write lock (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        return stmt.with_for_update()
    return stmt


def among(conn: Connection, column: ColumnElement[str], values: list[str]) -> ColumnElement[bool]:
    """``column IN values`` with the whole list as one parameter: thousands of values in
    one short query, instead of batches of IN (…) with a parameter each."""
    if conn.dialect.name == "postgresql":
        return column == any_(literal(values, type_=postgresql.ARRAY(String)))
    return column.in_(select(func.json_each(json.dumps(values)).table_valued("value").c.value))
