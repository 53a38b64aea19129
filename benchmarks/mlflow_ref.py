"""The MLflow side of the benchmarks. Runs with benchmarks/.venv-mlflow/bin/python only.

Each command does one workload and prints one JSON line (the last line of stdout) with
its figures. ``common.run_mlflow`` calls it; it never imports Kuźnia.

    mlflow_ref.py log-call --tracking-uri URI --points N
    mlflow_ref.py log-batch --tracking-uri URI --points N --batch 1000
    mlflow_ref.py populate-series --tracking-uri sqlite:///… --points N
    mlflow_ref.py read-history --tracking-uri URI --run-id ID --repeats R
    mlflow_ref.py populate-runs --tracking-uri sqlite:///… --runs R --metrics M
    mlflow_ref.py search-runs --tracking-uri URI --repeats R
    mlflow_ref.py save-sklearn-model --tracking-uri URI --model-pickle P --path OUT
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import time
import uuid
import warnings

import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

FILTER = "metrics.acc > 0.5 and tags.team = 'a'"
TEAMS = ("a", "b", "c", "d")


EXPERIMENT = {"name": "bench"}  # set from --experiment; each benchmark uses its own


def _setup(uri: str) -> str:
    """Point MLflow at ``uri`` and make the experiment (outside any timing: it migrates SQLite)."""
    mlflow.set_tracking_uri(uri)
    return mlflow.set_experiment(EXPERIMENT["name"]).experiment_id


def log_call(uri: str, points: int) -> dict[str, object]:
    """Per-call ``mlflow.log_metric``; each call is synchronous (durable when it returns)."""
    _setup(uri)
    with mlflow.start_run():
        mlflow.log_metric("warmup", 0.0, step=0)
        start = time.perf_counter()
        for i in range(points):
            mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
        seconds = time.perf_counter() - start
    return {"points": points, "seconds": seconds, "points_per_s": points / seconds}


def _metrics(key: str, start: int, count: int, now_ms: int) -> list[Metric]:
    return [Metric(key, 1.0 / (i + 1), now_ms + i, i) for i in range(start, start + count)]


def log_batch(uri: str, points: int, batch: int) -> dict[str, object]:
    """``MlflowClient.log_batch`` of ``batch`` points per request (MLflow allows at most 1000)."""
    experiment_id = _setup(uri)
    client = MlflowClient()
    run_id = client.create_run(experiment_id).info.run_id
    now_ms = int(time.time() * 1000)
    batches = [_metrics("x", s, min(batch, points - s), now_ms) for s in range(0, points, batch)]
    start = time.perf_counter()
    for metrics in batches:
        client.log_batch(run_id, metrics=metrics)
    seconds = time.perf_counter() - start
    client.set_terminated(run_id)
    return {"points": points, "batch": batch, "seconds": seconds, "points_per_s": points / seconds}


def populate_series(uri: str, points: int) -> dict[str, object]:
    """A run with a ``points``-long metric ``loss``, written with MLflow's own SQLAlchemy models
    in one transaction (the rows ``log_batch`` writes; log_batch itself would take minutes)."""
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    experiment_id = _setup(uri)
    run_id = MlflowClient().create_run(experiment_id).info.run_id
    store = SqlAlchemyStore(uri, "file:///tmp/unused-artifacts")
    now_ms = int(time.time() * 1000)
    rows = [
        {
            "key": "loss",
            "value": 1.0 / (i + 1),
            "timestamp": now_ms + i,
            "step": i,
            "is_nan": False,
            "run_uuid": run_id,
        }
        for i in range(points)
    ]
    with store.ManagedSessionMaker() as session:
        for s in range(0, points, 20_000):
            session.execute(SqlMetric.__table__.insert(), rows[s : s + 20_000])
        session.execute(SqlLatestMetric.__table__.insert(), [rows[-1]])
    return {"run_id": run_id, "points": points}


def read_history(uri: str, run_id: str, repeats: int) -> dict[str, object]:
    """Time ``MlflowClient.get_metric_history`` (all points: MLflow has no downsampling)."""
    _setup(uri)
    client = MlflowClient()
    times = []
    count = 0
    for _ in range(repeats + 1):
        start = time.perf_counter()
        count = len(client.get_metric_history(run_id, "loss"))
        times.append(time.perf_counter() - start)
    median = statistics.median(times[1:])
    return {
        "points": count,
        "first_s": times[0],
        "median_s": median,
        "times": times,
        "points_per_s": count / median,
    }


def populate_runs(uri: str, runs: int, metrics: int) -> dict[str, object]:
    """``runs`` finished runs, each with ``metrics`` metrics (one of them ``acc``) and 3 tags.

    Written with MLflow's own SQLAlchemy models in one transaction (the public API would take
    minutes for 10,000 runs); the rows are what ``log_batch`` and ``set_tag`` write.
    """
    from mlflow.store.tracking.dbmodels.models import (
        SqlLatestMetric,
        SqlMetric,
        SqlRun,
        SqlTag,
    )
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    experiment_id = _setup(uri)
    store = SqlAlchemyStore(uri, "file:///tmp/unused-artifacts")
    rng = random.Random(42)
    start = time.perf_counter()
    run_rows, metric_rows, tag_rows = [], [], []
    base_ms = int(time.time() * 1000) - runs * 1000
    for i in range(runs):
        run_id = uuid.uuid4().hex
        started = base_ms + i * 1000
        run_rows.append(
            {
                "run_uuid": run_id,
                "name": f"run-{i}",
                "source_type": "LOCAL",
                "source_name": "",
                "entry_point_name": "",
                "user_id": "bench",
                "status": "FINISHED",
                "start_time": started,
                "end_time": started + 500,
                "source_version": "",
                "lifecycle_stage": "active",
                "artifact_uri": f"file:///tmp/unused/{run_id}",
                "experiment_id": int(experiment_id),
            }
        )
        values = {"acc": rng.random(), **{f"m{k:02d}": rng.random() for k in range(metrics - 1)}}
        for key, value in values.items():
            metric_rows.append(
                {
                    "key": key,
                    "value": value,
                    "timestamp": started,
                    "step": 0,
                    "is_nan": False,
                    "run_uuid": run_id,
                }
            )
        tags = {
            "team": TEAMS[i % len(TEAMS)],
            "owner": f"user{i % 7}",
            "split": "v1",
            "mlflow.runName": f"run-{i}",
        }
        tag_rows += [{"key": k, "value": v, "run_uuid": run_id} for k, v in tags.items()]
    with store.ManagedSessionMaker() as session:
        for model, rows in (
            (SqlRun, run_rows),
            (SqlMetric, metric_rows),
            (SqlLatestMetric, metric_rows),
            (SqlTag, tag_rows),
        ):
            for s in range(0, len(rows), 20_000):
                session.execute(model.__table__.insert(), rows[s : s + 20_000])
    return {"runs": runs, "metrics": metrics, "seconds": time.perf_counter() - start}


def search_runs(uri: str, repeats: int) -> dict[str, object]:
    """Time ``search_runs`` with the benchmark's filter, page of 100; first call apart."""
    experiment_id = _setup(uri)
    client = MlflowClient()
    times = []
    found = 0
    for _ in range(repeats + 1):
        start = time.perf_counter()
        found = len(client.search_runs([experiment_id], filter_string=FILTER, max_results=100))
        times.append(time.perf_counter() - start)
    return {
        "found": found,
        "first_s": times[0],
        "median_s": statistics.median(times[1:]),
        "times": times,
    }


def save_sklearn_model(model_pickle: str, path: str) -> dict[str, object]:
    """Save the pickled scikit-learn model (the one Kuźnia serves) as an MLflow model."""
    import pickle

    import mlflow.sklearn

    with open(model_pickle, "rb") as handle:
        model = pickle.load(handle)
    mlflow.sklearn.save_model(model, path)
    return {"path": path}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--run-id")
    parser.add_argument("--experiment", default="bench")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--model-pickle")
    parser.add_argument("--path")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    uri = args.tracking_uri
    EXPERIMENT["name"] = args.experiment
    if args.command == "log-call":
        out = log_call(uri, args.points)
    elif args.command == "log-batch":
        out = log_batch(uri, args.points, args.batch)
    elif args.command == "populate-series":
        out = populate_series(uri, args.points)
    elif args.command == "read-history":
        out = read_history(uri, args.run_id, args.repeats)
    elif args.command == "populate-runs":
        out = populate_runs(uri, args.runs, args.metrics)
    elif args.command == "search-runs":
        out = search_runs(uri, args.repeats)
    elif args.command == "save-sklearn-model":
        out = save_sklearn_model(args.model_pickle, args.path)
    else:
        parser.error(f"unknown command {args.command!r}")
    out["mlflow_version"] = mlflow.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
