"""Reading a 1,000,000-point metric downsampled to 1,000 points.

Target (issue 3): ≤ 150 ms. Measured through the SDK (``run.get_metric_history(name,
max_points=1000)``) on an embedded workspace and through ``kuznia server`` (SQLite, and
PostgreSQL when reachable): the first call and the median of the following calls.

MLflow has no downsampling: ``MlflowClient.get_metric_history`` returns every point. It is
measured on a 20,000-point series (in-process SQLite and through ``mlflow server``) and its
time is extrapolated linearly to 1,000,000 points, which is the MLflow figure in the table.
An informational row reads the full 1,000,000 points from Kuźnia for a like-for-like view.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

POINTS = 1_000_000
BATCH = 100_000
MAX_POINTS = 1_000
REPEATS = 10
FULL_REPEATS = 3
MLFLOW_POINTS = 20_000
MLFLOW_REPEATS = 1


def populate(workspace) -> str:  # noqa: ANN001
    """A run holding ``POINTS`` points of ``loss``, sent in ``BATCH``-point requests."""
    from kuznia import Experiment
    from kuznia.entities.metrics import MetricBatch, MetricSeries

    run = Experiment(workspace, "history").start_logging()
    now = time.time()
    for start in range(0, POINTS, BATCH):
        steps = list(range(start, start + BATCH))
        batch = MetricBatch(
            series=[
                MetricSeries(
                    name="loss",
                    values=[1.0 / (s + 1) + (s % 7) * 1e-3 for s in steps],
                    steps=steps,
                    timestamps=[now + s * 1e-3 for s in steps],
                )
            ]
        )
        workspace._backend.log_metrics(workspace.name, run.id, batch)
    run.complete()
    return run.id


def measure_kuznia(workspace) -> dict[str, object]:  # noqa: ANN001
    from kuznia import Run

    run = Run.get(workspace, populate(workspace))

    def downsampled() -> None:
        history = run.get_metric_history("loss", max_points=MAX_POINTS)
        if (
            history.total_count != POINTS
            or not history.downsampled
            or len(history.values) > MAX_POINTS
        ):
            raise AssertionError(
                f"unexpected history: {history.total_count} points, {len(history.values)} back"
            )

    def full() -> None:
        history = run.get_metric_history("loss")
        if len(history.values) != POINTS:
            raise AssertionError(f"full read returned {len(history.values)} of {POINTS} points")

    first, median, times = common.median_time(downsampled, REPEATS)
    full_first, full_median, _ = common.median_time(full, FULL_REPEATS)
    return {
        "first_ms": first * 1000,
        "median_ms": median * 1000,
        "times_ms": [t * 1000 for t in times],
        "full_first_ms": full_first * 1000,
        "full_median_ms": full_median * 1000,
    }


def measure_mlflow(folder: Path) -> dict[str, dict[str, object]]:
    """Full reads of one series, in-process on the server's SQLite file and through the server."""
    with common.mlflow_server(folder) as (database, url):
        populated = common.run_mlflow(
            "populate-series", tracking_uri=database, points=MLFLOW_POINTS, experiment="history"
        )
        figures = {}
        for where, uri in (("in-process", database), ("server", url)):
            figures[where] = common.run_mlflow(
                "read-history",
                tracking_uri=uri,
                run_id=populated["run_id"],
                repeats=MLFLOW_REPEATS,
                experiment="history",
            )
    return figures


def extrapolated_ms(figures: dict[str, object]) -> float:
    """MLflow's median time for its series, scaled linearly to ``POINTS`` points, in ms."""
    return float(figures["median_s"]) * POINTS / int(figures["points"]) * 1000  # type: ignore[arg-type]


def run() -> list[common.Result]:
    from kuznia import Workspace

    folder = common.scratch_dir("history")
    kuznia: dict[str, dict[str, object]] = {}
    try:
        common.log(f"Kuźnia embedded: {POINTS:,}-point metric, read with max_points={MAX_POINTS}")
        kuznia["embedded"] = measure_kuznia(
            Workspace.create("bench", path=folder / "store", exist_ok=True)
        )
        for label, database_url in common.databases(folder):
            common.log(
                f"Kuźnia server on {label}: {POINTS:,}-point metric, max_points={MAX_POINTS}"
            )
            with common.kuznia_server(folder / f"kuznia-{label}", database_url) as url:
                kuznia[f"server, {label}"] = measure_kuznia(
                    Workspace.create("bench", server=url, exist_ok=True)
                )
        common.log(
            f"MLflow {common.mlflow_version()}: get_metric_history of {MLFLOW_POINTS:,} points"
        )
        mlflow = measure_mlflow(folder / "mlflow")
    finally:
        common.remove(folder)
    scale = POINTS // MLFLOW_POINTS
    results = []
    for where, figures in kuznia.items():
        reference = mlflow["in-process"] if where == "embedded" else mlflow["server"]
        results.append(
            common.Result(
                f"history 1M → {MAX_POINTS:,} points ({where})",
                "ms",
                figures["median_ms"],  # type: ignore[arg-type]
                extrapolated_ms(reference),
                target=150,
                higher_is_better=False,
                note=(
                    f"Kuźnia median of {REPEATS} (first call {figures['first_ms']:.0f} ms); MLflow "
                    f"cannot downsample: its full read of {MLFLOW_POINTS:,} points "
                    f"({float(reference['median_s']) * 1000:.0f} ms) × {scale} = extrapolated 1M"  # type: ignore[arg-type]
                ),
                details={"kuznia": figures, "mlflow": reference},
            )
        )
    for where in ("embedded", "server, SQLite"):
        reference = mlflow["in-process"] if where == "embedded" else mlflow["server"]
        results.append(
            common.Result(
                f"history 1M, every point ({where})",
                "ms",
                kuznia[where]["full_median_ms"],  # type: ignore[arg-type]
                extrapolated_ms(reference),
                target=None,
                higher_is_better=False,
                note=f"like for like with MLflow's full read (extrapolated from {MLFLOW_POINTS:,})",
            )
        )
    return results


if __name__ == "__main__":
    common.main(run)
