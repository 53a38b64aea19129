"""Per-call ``run.log`` into an embedded workspace vs per-call ``mlflow.log_metric`` to SQLite.

Target (issue 3): ≥ 200,000 points/s accepted, and every point durable after ``flush()``.
``run.log`` only appends to a buffer, so two figures are printed: *accepted* (the logging
loop alone) and *durable* (loop plus ``flush()``). MLflow's ``log_metric`` is synchronous,
so its one figure is both.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

KUZNIA_POINTS = 200_000
KUZNIA_REPEATS = 3
MLFLOW_POINTS = 1_000  # MLflow does ~100 points/s here; 1,000 keeps the run short


def log_points(run, points: int) -> tuple[float, float]:  # noqa: ANN001
    """Log ``points`` values of one metric; returns (seconds of the loop, seconds to durable)."""
    log = run.log
    start = time.perf_counter()
    for i in range(points):
        log("loss", 1.0 / (i + 1))
    accepted = time.perf_counter() - start
    run.flush()
    durable = time.perf_counter() - start
    return accepted, durable


def measure_kuznia(workspace, points: int, repeats: int) -> dict[str, float]:  # noqa: ANN001
    """Median accepted and durable rates over ``repeats`` fresh runs; checks every point landed."""
    from kuznia import Experiment

    accepted_rates, durable_rates = [], []
    for _ in range(repeats):
        run = Experiment(workspace, "log-per-call").start_logging()
        accepted, durable = log_points(run, points)
        stored = run.get_metric_history("loss", max_points=2).total_count
        if stored != points:
            raise AssertionError(f"{stored} of {points} points stored after flush()")
        run.complete()
        accepted_rates.append(points / accepted)
        durable_rates.append(points / durable)
    return {
        "accepted": statistics.median(accepted_rates),
        "durable": statistics.median(durable_rates),
        "accepted_all": accepted_rates,
        "durable_all": durable_rates,
    }


def run() -> list[common.Result]:
    from kuznia import Workspace

    folder = common.scratch_dir("log-embedded")
    try:
        common.log(f"Kuźnia: {KUZNIA_POINTS:,} run.log calls x{KUZNIA_REPEATS}, embedded (SQLite)")
        workspace = Workspace.create("bench", path=folder / "store", exist_ok=True)
        kuznia = measure_kuznia(workspace, KUZNIA_POINTS, KUZNIA_REPEATS)
        common.log(
            f"MLflow {common.mlflow_version()}: {MLFLOW_POINTS:,} log_metric calls to SQLite"
        )
        mlflow = common.run_mlflow(
            "log-call", tracking_uri=f"sqlite:///{folder / 'mlflow.db'}", points=MLFLOW_POINTS
        )
    finally:
        common.remove(folder)
    note = (
        f"Kuźnia {KUZNIA_POINTS:,} points (median of {KUZNIA_REPEATS} runs), "
        f"MLflow {MLFLOW_POINTS:,} points (it is synchronous: accepted = durable)"
    )
    mlflow_rate = float(mlflow["points_per_s"])  # type: ignore[arg-type]
    return [
        common.Result(
            "run.log per call, embedded: accepted",
            "points/s",
            kuznia["accepted"],
            mlflow_rate,
            target=200_000,
            note=note,
            details={"kuznia": kuznia, "mlflow": mlflow},
        ),
        common.Result(
            "run.log per call, embedded: durable after flush()",
            "points/s",
            kuznia["durable"],
            mlflow_rate,
            target=None,
            note="all points read back after flush()",
        ),
    ]


if __name__ == "__main__":
    common.main(run)
