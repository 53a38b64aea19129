"""Big test data for Studio, written straight through the store (seconds, not minutes).

``seed_runs`` makes an experiment of N finished runs, each with tags and M scalar
metrics (one point each, so only summary rows), the shape of a large sweep.
``log_long_metric`` gives one run a metric with many points through the store's
own ingest path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from kuznia.entities.experiments import ExperimentCreate
from kuznia.entities.metrics import MetricSeries
from kuznia.entities.workspaces import WorkspaceCreate
from kuznia.services import experiments, workspaces
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores
from kuznia.store import metrics as metric_store
from kuznia.store.tables import experiments as experiments_table
from kuznia.store.tables import metric_summaries, run_tags, runs

TEAMS = ["vision", "speech", "text", "tabular"]
FAMILIES = ["resnet", "vit", "mlp"]
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BigExperiment:
    scope: Scope
    experiment: str
    run_count: int
    metric_names: list[str]

    @property
    def workspace(self) -> str:
        return self.scope.workspace.name


def accuracy_of(i: int) -> float:
    """A spread of values with no ties, so sorting has one right answer."""
    return ((i * 7919) % 10_007) / 10_007


def seed_runs(stores: Stores, workspace: str, experiment: str, count: int, metrics: int) -> BigExperiment:
    ws = workspaces.create_workspace(stores, WorkspaceCreate(name=workspace))
    scope = Scope(stores=stores, workspace=ws)
    exp = experiments.ensure_experiment(scope, ExperimentCreate(name=experiment))
    names = ["accuracy", "loss", *[f"metric_{k:02d}" for k in range(metrics - 2)]]
    run_rows, tag_rows, summary_rows = [], [], []
    for i in range(count):
        run_id = f"{experiment}_{i:05d}"
        created = BASE_TIME + timedelta(seconds=i)
        run_rows.append({
            "id": run_id, "workspace_id": ws.id, "experiment_id": exp.id, "number": i + 1,
            "display_name": f"run-{i:05d}", "description": "", "run_type": "interactive",
            "status": "Failed" if i % 10 == 9 else "Completed", "parent_run_id": None,
            "created_at": created, "start_time": created, "end_time": created + timedelta(seconds=30 + i % 90),
            "heartbeat_at": created, "error": None,
        })
        tag_rows += [
            {"run_id": run_id, "key": "team", "value": TEAMS[i % len(TEAMS)]},
            {"run_id": run_id, "key": "family", "value": FAMILIES[i % len(FAMILIES)]},
            {"run_id": run_id, "key": "lr", "value": str(round(10 ** -(1 + i % 4), 6))},
        ]
        for k, name in enumerate(names):
            value = accuracy_of(i) if name == "accuracy" else 1 - accuracy_of(i) if name == "loss" else (i * (k + 3)) % 997 / 997
            summary_rows.append({
                "run_id": run_id, "name": name, "kind": "scalar", "count": 1, "last_value": value,
                "last_step": 0, "last_timestamp": created.timestamp(), "min_value": value, "max_value": value,
            })
    with stores.db.write() as conn:
        conn.execute(runs.insert(), run_rows)
        _insert_plain(conn, run_tags, tag_rows)
        _insert_plain(conn, metric_summaries, summary_rows)
        conn.execute(
            experiments_table.update().where(experiments_table.c.id == exp.id)
            .values(run_count=count, last_activity=BASE_TIME + timedelta(seconds=count))
        )
    if stores.db.dialect == "postgresql":
        with stores.db.write() as conn:  # what autovacuum would do after a bulk load
            conn.exec_driver_sql("ANALYZE runs, run_tags, metric_summaries, experiments")
    return BigExperiment(scope=scope, experiment=experiment, run_count=count, metric_names=names)


def _insert_plain(conn, table, rows: list[dict]) -> None:  # noqa: ANN001
    """Bulk rows through the driver (COPY on PostgreSQL), without per-row SQLAlchemy work."""
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    values = [tuple(r[c] for c in columns) for r in rows]
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", values)


def log_long_metric(stores: Stores, run_id: str, name: str, points: int) -> None:
    """``points`` points of a noisy decaying curve at steps 0…points-1, one second apart."""
    steps = np.arange(points, dtype=np.int64)
    rng = np.random.default_rng(0)
    values = 1.0 / (1.0 + steps / 1000.0) + rng.normal(0, 0.01, points)
    stamps = BASE_TIME.timestamp() + steps.astype(np.float64)
    series = MetricSeries.model_construct(
        name=name, values=values.tolist(), steps=steps.tolist(), timestamps=stamps.tolist()
    )
    with stores.db.write() as conn:
            metric_store.ingest_series(conn, run_id, [series], float(stamps[-1]))
