"""Metrics: batched scalar points, tables/rows/images, summaries and downsampled history."""

from __future__ import annotations

import math
import time
from typing import Any

import orjson

from kuznia.entities.common import check_key, parse
from kuznia.entities.metrics import (
    MAX_RECORD_BYTES,
    MetricBatch,
    MetricHistoriesQuery,
    MetricHistory,
    MetricHistoryQuery,
    MetricKind,
    MetricRecord,
    MetricRecordCreate,
    MetricSummary,
)
from kuznia.errors import InvalidInput
from kuznia.services.access import Action
from kuznia.services.runs import require_run
from kuznia.services.scope import Scope
from kuznia.store import metrics as store


def log_metrics(scope: Scope, run_id: str, batch: MetricBatch) -> int:
    """Append a batch of scalar points to a run; returns how many were stored.

    Raises NotFound for an unknown run and Conflict when a name is already used
    by a table, row or image metric of the run.
    """
    batch = parse(MetricBatch, batch)
    with scope.stores.db.write() as conn:
        require_run(scope, conn, run_id, action=Action.WRITE)
        return store.ingest_series(conn, run_id, batch.series, time.time())


def _json_value(where: str, value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"{where}: {value} is not allowed in tables; use None for a missing value")
        return value
    raise InvalidInput(f"{where}: {type(value).__name__} is not a number, string, boolean or None")


def _check_record(record: MetricRecordCreate) -> dict[str, Any]:
    where = f"metric {record.name!r}"
    value = record.value
    if record.kind == MetricKind.TABLE:
        columns = {}
        lengths = set()
        for column, cells in value.items():
            check_key(f"{where} column", column)
            if not isinstance(cells, list):
                raise InvalidInput(f"{where} column {column!r}: a table column must be a list of values")
            columns[column] = [_json_value(f"{where} column {column!r}", c) for c in cells]
            lengths.add(len(cells))
        if len(lengths) > 1:
            raise InvalidInput(f"{where}: all table columns must have the same length, got {sorted(lengths)}")
        out: dict[str, Any] = columns
    elif record.kind == MetricKind.ROW:
        out = {}
        for column, cell in value.items():
            check_key(f"{where} column", column)
            out[column] = _json_value(f"{where} column {column!r}", cell)
    elif record.kind == MetricKind.IMAGE:
        path = value.get("path")
        if set(value) != {"path"} or not isinstance(path, str):
            raise InvalidInput(f"{where}: an image record is {{'path': '<file of the run>'}}")
        out = {"path": path}
    else:
        raise InvalidInput(f"{where}: scalar points are logged with log_metrics, not as records")
    if len(orjson.dumps(out)) > MAX_RECORD_BYTES:
        raise InvalidInput(f"{where}: larger than {MAX_RECORD_BYTES} bytes; upload it as a file instead")
    return out


def log_record(scope: Scope, run_id: str, record: MetricRecordCreate) -> None:
    """Store a table, a row of a table, or an image reference under a metric name."""
    record = parse(MetricRecordCreate, record)
    value = _check_record(record)
    with scope.stores.db.write() as conn:
        require_run(scope, conn, run_id, action=Action.WRITE)
        store.insert_record(conn, run_id, record.name, record.kind, value)


def get_metric_summaries(scope: Scope, run_id: str) -> list[MetricSummary]:
    """One summary per metric of the run (count, latest point, min, max), by name."""
    with scope.stores.db.read() as conn:
        require_run(scope, conn, run_id)
        return store.read_summaries(conn, [run_id])[run_id]


def get_metric_history(scope: Scope, run_id: str, query: MetricHistoryQuery) -> MetricHistory:
    """Points of one scalar metric in step order, optionally in a step range and downsampled."""
    query = parse(MetricHistoryQuery, query)
    with scope.stores.db.read() as conn:
        require_run(scope, conn, run_id)
        return store.read_history(
            conn, run_id, query.name, query.start_step, query.end_step, query.max_points
        )


def get_metric_histories(scope: Scope, run_id: str, query: MetricHistoriesQuery) -> list[MetricHistory]:
    """Whole histories of several scalar metrics, each downsampled to ``max_points``, in the
    order asked (a name asked twice comes back once). A name the run never logged comes back
    empty, as from ``get_metric_history``. Raises NotFound, Forbidden or InvalidInput."""
    query = parse(MetricHistoriesQuery, query)
    with scope.stores.db.read() as conn:
        require_run(scope, conn, run_id)
        return [store.read_history(conn, run_id, name, max_points=query.max_points)
                for name in dict.fromkeys(query.names)]


def get_metric_records(scope: Scope, run_id: str, name: str | None = None) -> list[MetricRecord]:
    """Tables, rows and image references of the run, in the order they were logged."""
    if name is not None:
        check_key("metric name", name)
    with scope.stores.db.read() as conn:
        require_run(scope, conn, run_id)
        return store.read_records(conn, run_id, name)
