"""Studio at scale, against MLflow's UI on the same data in the same browser.

Data: one experiment of 10,000 finished runs × 20 metrics (tags and a parameter
each) and, on the first run, 20 metrics of 1,000 points plus one metric of
1,000,000 points. Kuźnia is an embedded store served by `kuznia studio`; MLflow
3.x runs `mlflow server` over SQLite from its own venv (benchmarks/.venv-mlflow,
made with uv). Both are measured by the same Chromium (Debian's) via Playwright:

  runs page, first byte       time to the first byte of Kuźnia's runs page (target ≤ 200 ms);
                              for MLflow, of its runs search API (its page is a static shell)
  runs table visible          navigation start → the first run's name is on screen
  run page charts rendered    navigation start → every metric chart of the run has drawn
                              (target ≤ 1 s); MLflow: → its charts for the run are drawn

Usage:  .venv/bin/python benchmarks/bench_studio.py [--runs 10000] [--mlflow-runs N] [--points 1000000]
        [--skip-mlflow]. Loading MLflow through its client takes about 10 minutes the first
time; the loaded database is cached in benchmarks/.work/studio/ and reused, and then the
whole script takes about 4 minutes. `run_all.py studio` runs it with the issue's sizes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "studio"
MLFLOW_VENV = common.MLFLOW_VENV
MLFLOW_ENV = {**os.environ, **common.MLFLOW_ENV}  # telemetry off: no internet here
CHROMIUM = os.environ.get("KUZNIA_BENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # Each fresh context opens a window, and headless Chromium (156 here) then loads its own
                 # omnibox popup (≈ 200 chrome:// modules, 0.5 s of CPU in a second renderer) beside
                 # the page under test. A user's browser did that once at start: keep it out of the figure.
                 "--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxFullPopup"]
BASE = datetime(2026, 1, 1, tzinfo=UTC)
TEAMS = ["vision", "speech", "text", "tabular"]
REPEATS = 7
MLFLOW_RUN_PAGE_REPEATS = 3  # each load takes tens of seconds
TIMEOUT_MS = 180_000  # a page not ready by then counts as ∞


# --- data ---------------------------------------------------------------------------------------

def metric_names(count: int) -> list[str]:
    return ["accuracy", "loss", *[f"metric_{k:02d}" for k in range(count - 2)]]


def value_of(i: int, k: int) -> float:
    return ((i * (k + 3)) % 997) / 997


def seed_kuznia(folder: Path, runs: int, metrics: int, points: int) -> str:
    """The runs through the store in bulk; the first run's histories through the ingest path."""
    from kuznia.entities.experiments import ExperimentCreate
    from kuznia.entities.metrics import MetricSeries
    from kuznia.entities.workspaces import WorkspaceCreate
    from kuznia.services import experiments, workspaces
    from kuznia.services.scope import Scope
    from kuznia.services.stores import open_embedded
    from kuznia.store import metrics as metric_store
    from kuznia.store.tables import experiments as experiments_table
    from kuznia.store.tables import metric_summaries, run_tags
    from kuznia.store.tables import runs as runs_table

    stores = open_embedded(folder, create=True)
    ws = workspaces.create_workspace(stores, WorkspaceCreate(name="bench"))
    exp = experiments.ensure_experiment(Scope(stores, ws), ExperimentCreate(name="sweep"))
    names = metric_names(metrics)
    run_rows, tags, summaries = [], [], []
    for i in range(runs):
        run_id, created = f"sweep_{i:05d}", BASE + timedelta(seconds=i)
        run_rows.append({"id": run_id, "workspace_id": ws.id, "experiment_id": exp.id, "number": i + 1,
                         "display_name": f"run-{i:05d}", "description": "", "run_type": "interactive",
                         "status": "Completed", "parent_run_id": None, "created_at": created,
                         "start_time": created, "end_time": created + timedelta(seconds=30),
                         "heartbeat_at": created, "error": None})
        tags.append((run_id, "team", TEAMS[i % 4]))
        if i:
            summaries += [(run_id, n, "scalar", 1, value_of(i, k), 0, created.timestamp(), value_of(i, k),
                           value_of(i, k)) for k, n in enumerate(names)]
    with stores.db.write() as conn:
        conn.execute(runs_table.insert(), run_rows)
        conn.exec_driver_sql(f"INSERT INTO {run_tags.name} (run_id, key, value) VALUES (?, ?, ?)", tags)
        conn.exec_driver_sql(
            f"INSERT INTO {metric_summaries.name} (run_id, name, kind, count, last_value, last_step, "
            "last_timestamp, min_value, max_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", summaries)
        conn.execute(experiments_table.update().where(experiments_table.c.id == exp.id)
                     .values(run_count=runs, last_activity=BASE + timedelta(seconds=runs)))
    steps = np.arange(1000)
    series = [MetricSeries(name=n, values=[value_of(s, k) for s in range(1000)], steps=steps.tolist())
              for k, n in enumerate(names)]
    long_steps = np.arange(points, dtype=np.int64)
    long_values = 1.0 / (1.0 + long_steps / 1000.0) + np.random.default_rng(0).normal(0, 0.01, points)
    stamps = BASE.timestamp() + long_steps.astype(np.float64)
    series.append(MetricSeries.model_construct(name="long_loss", values=long_values.tolist(),
                                               steps=long_steps.tolist(), timestamps=stamps.tolist()))
    with stores.db.write() as conn:
        metric_store.ingest_series(conn, "sweep_00000", series, float(stamps[-1]))
    stores.close()
    return "sweep_00000"


MLFLOW_LOADER = textwrap.dedent("""
    import sys
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    uri, runs, metrics, points = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    names = ["accuracy", "loss"] + [f"metric_{k:02d}" for k in range(metrics - 2)]
    value = lambda i, k: ((i * (k + 3)) % 997) / 997
    client = MlflowClient(tracking_uri=uri)
    eid = client.create_experiment("sweep")
    t0 = 1767225600000
    for i in reversed(range(runs)):          # run 0 last, so it is the newest, as in Kuźnia's table
        run = client.create_run(eid, run_name=f"run-{i:05d}", start_time=t0 + i * 1000,
                                tags={"team": ["vision", "speech", "text", "tabular"][i % 4]})
        rid = run.info.run_id
        if i == 0:
            for k, n in enumerate(names):
                client.log_batch(rid, metrics=[Metric(n, value(s, k), t0 + s, s) for s in range(1000)])
            for start in range(0, points, 1000):
                client.log_batch(rid, metrics=[Metric("long_loss", 1.0 / (1 + s / 1000), t0 + s * 1000, s)
                                               for s in range(start, min(points, start + 1000))])
        else:
            client.log_batch(rid, metrics=[Metric(n, value(i, k), t0 + i * 1000, 0) for k, n in enumerate(names)],
                             params=[Param("lr", str(10 ** -(1 + i % 4)))])
        client.set_terminated(rid, end_time=t0 + i * 1000 + 30000)
        if i % 500 == 0:
            print(f"  mlflow: {runs - i} of {runs} runs loaded", flush=True)
    print(f"RESULT {eid} {rid}", flush=True)
""")


def seed_mlflow(runs: int, metrics: int, points: int) -> tuple[Path, str, str]:
    """Load MLflow through its client (cached: it takes minutes). Returns (db, experiment id, run id)."""
    folder = WORK / f"mlflow-{runs}-{metrics}-{points}"
    done = folder / "done.txt"
    if done.is_file():
        eid, rid = done.read_text().split()
        return folder / "mlflow.db", eid, rid
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    loader = folder / "load.py"
    loader.write_text(MLFLOW_LOADER)
    print(f"loading MLflow with {runs:,} runs and a {points:,}-point metric (once; cached in {folder})…")
    started = time.perf_counter()
    out = subprocess.run([str(MLFLOW_VENV / "bin" / "python"), str(loader), f"sqlite:///{folder / 'mlflow.db'}",
                          str(runs), str(metrics), str(points)], capture_output=True, text=True, check=True,
                         env=MLFLOW_ENV)
    eid, rid = next(line for line in out.stdout.splitlines() if line.startswith("RESULT")).split()[1:]
    done.write_text(f"{eid} {rid}")
    print(f"  loaded in {time.perf_counter() - started:.0f} s")
    return folder / "mlflow.db", eid, rid


# --- servers ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], url: str, env: dict[str, str] | None = None, wait_s: float = 300) -> subprocess.Popen:
    # A session of its own, so stop() ends the server and the workers it forks, nothing else.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                               start_new_session=True)
    deadline = time.monotonic() + wait_s  # MLflow's server alone takes tens of seconds to start
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    process.kill()
    raise RuntimeError(f"{' '.join(command)} did not start")


def stop(process: subprocess.Popen) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


# --- measurements -------------------------------------------------------------------------------

def first_byte_ms(client: httpx.Client, method: str, url: str, **kwargs: object) -> float:
    started = time.perf_counter()
    elapsed = None
    with client.stream(method, url, **kwargs) as response:  # type: ignore[arg-type]
        for _chunk in response.iter_raw():
            if elapsed is None:
                elapsed = (time.perf_counter() - started) * 1000
    assert elapsed is not None and response.status_code == 200, response.status_code
    return elapsed


def median_of(values: list[float]) -> float:
    return statistics.median(values)


def browser_ms(browser, url: str, ready: str) -> float:  # noqa: ANN001
    """Navigation start → ``ready`` (a JS expression) is true, in a fresh context (cold cache)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # bypass_csp: the readiness probe is polled by Playwright with eval(), which Studio's CSP forbids.
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url, wait_until="commit")
    try:
        page.wait_for_function(ready, polling="raf", timeout=TIMEOUT_MS)
    except PlaywrightTimeout:
        context.close()
        return float("inf")
    elapsed = page.evaluate("performance.now()")
    context.close()
    return float(elapsed)


def measure_kuznia(browser, base: str, run_id: str, metrics: int) -> dict[str, float]:  # noqa: ANN001
    runs_url = f"{base}/workspaces/bench/experiments/sweep"
    run_url = f"{base}/workspaces/bench/runs/{run_id}/metrics"
    with httpx.Client(timeout=60) as client:
        client.get(runs_url)
        first = [first_byte_ms(client, "GET", runs_url) for _ in range(REPEATS * 3)]
    table = [browser_ms(browser, runs_url, "document.querySelector('#runs tbody tr') !== null")
             for _ in range(REPEATS)]
    charts = metrics + 1
    charts_ready = (f"document.querySelectorAll('.chart-card[data-state=ready] canvas').length === {charts}")
    browser_ms(browser, run_url, charts_ready)  # warm the server's caches once, as for MLflow
    run_page = [browser_ms(browser, run_url, charts_ready) for _ in range(REPEATS)]
    print("  Kuźnia measured", flush=True)
    return {"first_byte": median_of(first), "table": median_of(table), "run_page": median_of(run_page)}


def measure_mlflow(browser, base: str, eid: str, rid: str, runs: int) -> dict[str, float]:  # noqa: ANN001
    search = f"{base}/ajax-api/2.0/mlflow/runs/search"
    body = {"experiment_ids": [eid], "max_results": 100, "order_by": ["attributes.start_time DESC"]}
    with httpx.Client(timeout=120) as client:
        client.post(search, json=body)
        first = [first_byte_ms(client, "POST", search, json=body) for _ in range(REPEATS * 3)]
    runs_url = f"{base}/#/experiments/{eid}/runs"
    # The runs table is drawn once the newest run's name is on screen.
    table_ready = ("Array.from(document.querySelectorAll('a, span, div'))"
                   f".some(e => e.textContent === 'run-{runs - 1:05d}')")
    table = [browser_ms(browser, runs_url, table_ready) for _ in range(REPEATS)]
    print("  MLflow's runs table measured", flush=True)
    # The run's metric charts (Plotly) are drawn once every chart it has put on the page has its
    # line, the long one included (its legend appears with its line). MLflow draws only the charts
    # in view (about 9 of the 21 at 1400×1000); Kuźnia draws all 21.
    run_url = f"{base}/#/experiments/{eid}/runs/{rid}/model-metrics"
    charts_ready = textwrap.dedent("""
        (() => { const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
                 const drawn = plots.filter(p => p.querySelector('.scatterlayer path.js-line'));
                 return plots.length >= 6 && drawn.length === plots.length
                        && document.body.innerText.includes('(long_loss)'); })()
    """).strip()
    browser_ms(browser, run_url, charts_ready)
    run_page = [browser_ms(browser, run_url, charts_ready) for _ in range(MLFLOW_RUN_PAGE_REPEATS)]
    return {"first_byte": median_of(first), "table": median_of(table), "run_page": median_of(run_page)}


def measure(runs: int, metrics: int, points: int, mlflow_runs: int, with_mlflow: bool = True) -> dict[str, dict[str, float]]:
    """Both sides' figures in ms: {"Kuźnia": {...}, "MLflow": {...}} (MLflow left out on failure)."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="kuznia-bench-studio-"))
    print(f"seeding Kuźnia: {runs:,} runs × {metrics} metrics, one {points:,}-point metric…")
    started = time.perf_counter()
    run_id = seed_kuznia(folder / "store", runs, metrics, points)
    print(f"  seeded in {time.perf_counter() - started:.1f} s")
    mlflow = None
    if with_mlflow:
        common.ensure_mlflow()
        mlflow = seed_mlflow(mlflow_runs, metrics, points)

    results: dict[str, dict[str, float]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            port = free_port()
            kuznia = start([sys.executable, "-m", "kuznia.cli", "studio", "--path", str(folder / "store"),
                            "--port", str(port)], f"http://127.0.0.1:{port}/health")
            try:
                results["Kuźnia"] = measure_kuznia(browser, f"http://127.0.0.1:{port}", run_id, metrics)
            finally:
                stop(kuznia)
            if mlflow is not None:
                db, eid, rid = mlflow
                port = free_port()
                server = start([str(MLFLOW_VENV / "bin" / "mlflow"), "server", "--backend-store-uri",
                                f"sqlite:///{db}", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                               f"http://127.0.0.1:{port}/health", env=MLFLOW_ENV)
                print("  MLflow server started", flush=True)
                try:
                    results["MLflow"] = measure_mlflow(browser, f"http://127.0.0.1:{port}", eid, rid, mlflow_runs)
                except Exception as exc:  # noqa: BLE001 - still report Kuźnia's figures
                    print(f"MLflow could not be measured: {exc}")
                finally:
                    stop(server)
            browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def rows(metrics: int) -> list[tuple[str, str, float | None]]:
    """(label, key, target in ms) of each figure."""
    return [("runs page, first byte (MLflow: its runs search API)", "first_byte", 200.0),
            ("runs table visible in the browser", "table", None),
            (f"run page, all {metrics + 1} charts drawn", "run_page", 1000.0)]


def run() -> list[common.Result]:
    """The issue's sizes, for run_all.py (MLflow's loaded database is cached between runs)."""
    figures = measure(10_000, 20, 1_000_000, 10_000)
    labels = {"first_byte": "Studio runs page, first byte (10,000 runs)",
              "table": "Studio runs table visible in Chromium (10,000 runs)",
              "run_page": "Studio run page, 21 charts drawn (one of 10⁶ points)"}
    notes = {
        "first_byte": f"median of {REPEATS * 3} requests; MLflow's runs page is a static shell, so its "
                      "figure is the first byte of the runs search it makes (100 runs)",
        "table": f"navigation start → first run's name on screen, median of {REPEATS} cold-cache loads",
        "run_page": f"navigation start → every chart drawn (MLflow: the ≈ 9 charts it draws in view, the "
                    f"10⁶-point one included), median of {REPEATS} (MLflow {MLFLOW_RUN_PAGE_REPEATS}) cold-cache loads",
    }
    return [common.Result(labels[key], "ms", figures["Kuźnia"][key], figures.get("MLflow", {}).get(key), target,
                          higher_is_better=False, note=notes[key])
            for _, key, target in rows(20)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--mlflow-runs", type=int, default=None, help="runs loaded into MLflow (default: --runs)")
    parser.add_argument("--skip-mlflow", action="store_true")
    args = parser.parse_args()
    mlflow_runs = args.mlflow_runs or args.runs
    results = measure(args.runs, args.metrics, args.points, mlflow_runs, with_mlflow=not args.skip_mlflow)
    print(f"\nStudio benchmark: {args.runs:,} runs × {args.metrics} metrics, a {args.points:,}-point metric "
          f"(MLflow: {mlflow_runs:,} runs); medians of cold-cache loads in Chromium ({REPEATS} each; "
          f"MLflow's run page {MLFLOW_RUN_PAGE_REPEATS}); load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{'':58} {'Kuźnia':>9} {'target':>8} {'MLflow':>9} {'MLflow/Kuźnia':>14}")
    for label, key, target in rows(args.metrics):
        ours = results["Kuźnia"][key]
        theirs = results.get("MLflow", {}).get(key)
        goal = f"≤ {target:.0f}" if target else ""
        line = f"{label + ' (ms)':58} {ours:9.0f} {goal:>8}"
        if theirs is not None:
            line += f" {theirs:9.0f} {theirs / ours:13.1f}×"
        print(line)
    for label, key, target in rows(args.metrics):
        if target and results["Kuźnia"][key] > target:
            print(f"MISSED: {label} is {results['Kuźnia'][key]:.0f} ms, target {target:.0f} ms")


if __name__ == "__main__":
    main()
