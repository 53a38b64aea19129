"""Per-call ``run.log`` to ``kuznia server`` vs per-call ``mlflow.log_metric`` to ``mlflow server``.

Target (issue 3): ≥ 100,000 points/s durable at run end, i.e. points divided by the time of
the logging loop plus ``run.complete()``. Both servers are real subprocesses on 127.0.0.1
with one worker; Kuźnia's is measured on SQLite and, when one is reachable, PostgreSQL.
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
MLFLOW_POINTS = 300  # MLflow does 10–100 points/s over HTTP here; 300 keeps the run short


def measure_kuznia(url: str, points: int, repeats: int) -> dict[str, object]:
    from kuznia import Experiment, Run, Workspace

    workspace = Workspace.create("bench", server=url, exist_ok=True)
    rates, accepted_rates = [], []
    for _ in range(repeats):
        run = Experiment(workspace, "log-http").start_logging()
        log = run.log
        start = time.perf_counter()
        for i in range(points):
            log("loss", 1.0 / (i + 1))
        accepted = time.perf_counter() - start
        run.complete()
        durable = time.perf_counter() - start
        stored = Run.get(workspace, run.id).get_metric_history("loss", max_points=2).total_count
        if stored != points:
            raise AssertionError(f"{stored} of {points} points stored at run end")
        rates.append(points / durable)
        accepted_rates.append(points / accepted)
    return {
        "durable": statistics.median(rates),
        "durable_all": rates,
        "accepted_all": accepted_rates,
    }


def run() -> list[common.Result]:
    folder = common.scratch_dir("log-http")
    results = []
    try:
        kuznia = {}
        for label, database_url in common.databases(folder):
            common.log(
                f"Kuźnia: {KUZNIA_POINTS:,} run.log calls x{KUZNIA_REPEATS} to a server on {label}"
            )
            with common.kuznia_server(folder / f"kuznia-{label}", database_url) as url:
                kuznia[label] = measure_kuznia(url, KUZNIA_POINTS, KUZNIA_REPEATS)
        common.log(
            f"MLflow {common.mlflow_version()}: {MLFLOW_POINTS:,} log_metric calls to mlflow server"
        )
        with common.mlflow_server(folder / "mlflow") as (_, url):
            mlflow = common.run_mlflow(
                "log-call", tracking_uri=url, points=MLFLOW_POINTS, experiment="log-http"
            )
    finally:
        common.remove(folder)
    mlflow_rate = float(mlflow["points_per_s"])  # type: ignore[arg-type]
    for label, figures in kuznia.items():
        results.append(
            common.Result(
                f"run.log per call over HTTP ({label}): durable at run end",
                "points/s",
                figures["durable"],
                mlflow_rate,
                target=100_000,  # type: ignore[arg-type]
                note=(
                    f"Kuźnia {KUZNIA_POINTS:,} points (median of {KUZNIA_REPEATS} runs); "
                    f"MLflow {MLFLOW_POINTS:,} points to mlflow server on SQLite"
                ),
                details={"kuznia": figures, "mlflow": mlflow},
            )
        )
    return results


if __name__ == "__main__":
    common.main(run)
