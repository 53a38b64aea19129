"""Run every benchmark, print one table, and rewrite the results table in benchmarks/README.md.

    .venv/bin/python benchmarks/run_all.py            # all of them (what `make bench` runs)
    .venv/bin/python benchmarks/run_all.py listing    # only modules whose name contains "listing"
    .venv/bin/python benchmarks/run_all.py --no-readme

The README is rewritten only when every benchmark ran, so a partial run never replaces the
table with fewer rows. Raw figures of the last run are kept in benchmarks/.work/results.json.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

MODULES = (
    "bench_log_embedded",
    "bench_log_http",
    "bench_batch_ingest",
    "bench_history_read",
    "bench_run_listing",
    "bench_submit",
    "bench_environments",
    "bench_serving",
    "bench_auth",
    "bench_studio",
)
README = common.BENCH_DIR / "README.md"
START = "<!-- results:start -->"
END = "<!-- results:end -->"


def results_block(
    results: list[common.Result], started: str, seconds: float, version: str, start_load: str
) -> str:
    notes = "\n".join(f"- **{r.benchmark}**: {r.note}" for r in results if r.note)
    return (
        f"{START}\n"
        f"Measured {started} by `make bench` in {seconds / 60:.1f} min against MLflow {version}. "
        f"Machine: {common.machine_note()}; load average at start {start_load} "
        "(other work shares this machine; the ratio is the stabler figure).\n\n"
        f"{common.markdown_table(results)}\n\n"
        f"Ratio: how many times Kuźnia is better (throughput ÷ throughput, or time ÷ time "
        f"inverted). `info` rows have no target.\n\n{notes}\n"
        f"{END}"
    )


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def write_readme(block: str) -> None:
    text = README.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{README} has no {START} … {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + block + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run only modules whose name contains one of these")
    parser.add_argument(
        "--no-readme", action="store_true", help="do not rewrite benchmarks/README.md"
    )
    args = parser.parse_args()
    modules = [m for m in MODULES if not args.only or any(o in m for o in args.only)]
    started = time.strftime("%Y-%m-%d %H:%M")
    start_load = load()
    began = time.perf_counter()
    common.log(f"machine: {common.machine_note()}; load average {start_load}")
    version = common.mlflow_version()
    results: list[common.Result] = []
    failed = []
    with common.shared_mlflow_server():
        for name in modules:
            common.log(f"=== {name}")
            t0 = time.perf_counter()
            try:
                module_results = importlib.import_module(name).run()
            except Exception:  # noqa: BLE001 - report and go on with the others
                traceback.print_exc()
                failed.append(name)
                continue
            common.print_results(module_results)
            common.log(f"{name} took {time.perf_counter() - t0:.0f} s")
            results += module_results
    seconds = time.perf_counter() - began
    print("=" * 80)
    common.print_results(results)
    common.log(f"all benchmarks took {seconds / 60:.1f} min")
    common.WORK_DIR.mkdir(exist_ok=True)
    (common.WORK_DIR / "results.json").write_text(
        json.dumps([r.as_dict() for r in results], indent=2, default=str)
    )
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")
    if not args.no_readme and len(modules) == len(MODULES):
        write_readme(results_block(results, started, seconds, version, start_load))
        common.log(f"results written to {README}")


if __name__ == "__main__":
    main()
