"""Batch ingest through the server: ``POST …/runs/{id}/metrics`` vs MLflow ``log_batch``.

Target (issue 3): ≥ 500,000 points/s through ``kuznia server``. Every point carries a
value, a step and a timestamp, as MLflow's ``Metric`` does. Kuźnia sends 100,000 points per
request through the HTTP backend (``ws._backend.log_metrics``, bypassing the SDK buffer);
MLflow sends 1,000 per ``log_batch`` (its maximum). The timed part includes encoding the
request on the client, for both. A second, informational row sends Kuźnia 1,000-point
requests: the same request size as MLflow's.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

KUZNIA_POINTS = 1_000_000
KUZNIA_BATCH = 100_000
SMALL_POINTS = 100_000
SMALL_BATCH = 1_000
KUZNIA_REPEATS = 3
MLFLOW_POINTS = 20_000
MLFLOW_BATCH = 1_000


def make_batches(points: int, batch: int) -> list[object]:
    from kuznia.entities.metrics import MetricBatch, MetricSeries

    now = time.time()
    out = []
    for start in range(0, points, batch):
        steps = list(range(start, min(points, start + batch)))
        out.append(
            MetricBatch(
                series=[
                    MetricSeries(
                        name="x",
                        values=[1.0 / (s + 1) for s in steps],
                        steps=steps,
                        timestamps=[now + s * 1e-3 for s in steps],
                    )
                ]
            )
        )
    return out


def measure_kuznia(url: str, points: int, batch: int, repeats: int) -> dict[str, object]:
    """Median points/s over ``repeats`` fresh runs; checks the server stored every point."""
    from kuznia import Experiment, Workspace

    workspace = Workspace.create("bench", server=url, exist_ok=True)
    backend = workspace._backend
    batches = make_batches(points, batch)
    rates = []
    for _ in range(repeats):
        run = Experiment(workspace, "batch-ingest").start_logging()
        start = time.perf_counter()
        stored = sum(backend.log_metrics(workspace.name, run.id, b) for b in batches)
        seconds = time.perf_counter() - start
        if stored != points:
            raise AssertionError(f"server stored {stored} of {points} points")
        run.complete()
        rates.append(points / seconds)
    return {"points_per_s": statistics.median(rates), "all": rates}


def run() -> list[common.Result]:
    folder = common.scratch_dir("batch-ingest")
    big: dict[str, dict[str, object]] = {}
    small: dict[str, dict[str, object]] = {}
    try:
        for label, database_url in common.databases(folder):
            with common.kuznia_server(folder / f"kuznia-{label}", database_url) as url:
                common.log(
                    f"Kuźnia on {label}: {KUZNIA_POINTS:,} points, {KUZNIA_BATCH:,} a request"
                )
                big[label] = measure_kuznia(url, KUZNIA_POINTS, KUZNIA_BATCH, KUZNIA_REPEATS)
                common.log(
                    f"Kuźnia on {label}: {SMALL_POINTS:,} points in {SMALL_BATCH:,}-point requests"
                )
                small[label] = measure_kuznia(url, SMALL_POINTS, SMALL_BATCH, KUZNIA_REPEATS)
        version = common.mlflow_version()
        common.log(f"MLflow {version}: {MLFLOW_POINTS:,} points, log_batch of {MLFLOW_BATCH:,}")
        with common.mlflow_server(folder / "mlflow") as (_, url):
            mlflow = common.run_mlflow(
                "log-batch",
                tracking_uri=url,
                points=MLFLOW_POINTS,
                batch=MLFLOW_BATCH,
                experiment="batch-ingest",
            )
    finally:
        common.remove(folder)
    mlflow_rate = float(mlflow["points_per_s"])  # type: ignore[arg-type]
    results = []
    for label in big:
        results.append(
            common.Result(
                f"batch ingest via server ({label}), {KUZNIA_BATCH:,}-point requests",
                "points/s",
                big[label]["points_per_s"],
                mlflow_rate,
                target=500_000,  # type: ignore[arg-type]
                note=(
                    f"Kuźnia {KUZNIA_POINTS:,} points, median of {KUZNIA_REPEATS}; MLflow "
                    f"{MLFLOW_POINTS:,} points in log_batch of {MLFLOW_BATCH:,} (its maximum)"
                ),
                details={"kuznia": big[label], "mlflow": mlflow},
            )
        )
        results.append(
            common.Result(
                f"batch ingest via server ({label}), {SMALL_BATCH:,}-point requests",
                "points/s",
                small[label]["points_per_s"],
                mlflow_rate,
                target=None,  # type: ignore[arg-type]
                note="same request size as MLflow's log_batch; informational",
                details={"kuznia": small[label]},
            )
        )
    return results


if __name__ == "__main__":
    common.main(run)
