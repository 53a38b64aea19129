"""Compile the filter-language AST (``kuznia.entities.filters``) into SQLAlchemy clauses.

Every value becomes a bound parameter; names of tags, properties and metrics
are bound too. Column names come only from the fixed attribute table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true

from kuznia.entities import filters as f
from kuznia.store.tables import experiments, metric_summaries, run_properties, run_tags, runs

_COMPARE = {
    "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
}


def _attribute(name: str):  # noqa: ANN202
    if name == "experiment_name":
        return (
            select(experiments.c.name)
            .where(experiments.c.id == runs.c.experiment_id)
            .scalar_subquery()
        )
    return runs.c[name]


def _coerce(field: f.Field, value: Any) -> Any:
    if field.namespace == "attributes" and field.name in f.TIME_ATTRIBUTES:
        moment = datetime.fromisoformat(str(value))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return value


def _named_rows(field: f.Field):  # noqa: ANN202
    """(table, name column, value column) holding a run's tags, properties or metrics."""
    if field.namespace == "metrics":
        return metric_summaries, metric_summaries.c.name, metric_summaries.c.last_value
    table = run_tags if field.namespace == "tags" else run_properties
    return table, table.c.key, table.c.value


def _row_condition(field: f.Field, build) -> ColumnElement[bool]:  # noqa: ANN001
    """EXISTS(a tag/property/metric row of this run with this name where build(value column))."""
    table, key_col, value_col = _named_rows(field)
    return exists().where(table.c.run_id == runs.c.id, key_col == field.name, build(value_col))


def _condition(field: f.Field, build) -> ColumnElement[bool]:  # noqa: ANN001
    if field.namespace == "attributes":
        return build(_attribute(field.name))
    return _row_condition(field, build)


def compile_filter(node: f.Node | None) -> ColumnElement[bool]:
    if node is None:
        return true()
    if isinstance(node, f.And):
        return and_(*(compile_filter(n) for n in node.items))
    if isinstance(node, f.Or):
        return or_(*(compile_filter(n) for n in node.items))
    if isinstance(node, f.Not):
        return not_(compile_filter(node.item))
    if isinstance(node, f.Compare):
        value = _coerce(node.field, node.value)
        op = _COMPARE[node.op]
        return _condition(node.field, lambda c: and_(c.is_not(None), op(c, value)))
    if isinstance(node, f.InList):
        values = [_coerce(node.field, v) for v in node.values]
        if node.negated:
            return _condition(node.field, lambda c: and_(c.is_not(None), c.not_in(values)))
        return _condition(node.field, lambda c: c.in_(values))
    if isinstance(node, f.Like):
        if node.negated:
            return _condition(node.field, lambda c: and_(c.is_not(None), not_(c.ilike(node.pattern))))
        return _condition(node.field, lambda c: c.ilike(node.pattern))
    if isinstance(node, f.Exists):
        if node.field.namespace == "attributes":
            return _attribute(node.field.name).is_not(None)
        return _row_condition(node.field, lambda c: true())
    return false()


def compile_order(terms: list[f.OrderBy]) -> list[Any]:
    clauses: list[Any] = []
    for term in terms:
        field = term.field
        if field.namespace == "attributes":
            column: Any = _attribute(field.name)
        else:
            table, key_col, value_col = _named_rows(field)
            column = (
                select(value_col)
                .where(table.c.run_id == runs.c.id, key_col == field.name)
                .scalar_subquery()
            )
        clauses.append((column.desc() if term.descending else column.asc()).nulls_last())
    return clauses
