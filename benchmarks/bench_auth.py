"""Metric logging to ``kuznia server`` with authentication on vs off.

Target (issue 6): with auth on, metric logging is within 5 % of the same server with auth
off (``KUZNIA_AUTH=embedded``), i.e. on ÷ off ≥ 95 %. The reference here is Kuźnia itself:
two servers on SQLite run side by side. This machine's load moves single figures by ±40 %
within seconds, far more than the 5 % in question, so an auth-on client and an auth-off
client take turns 1:1 at a fine grain, and the whole is repeated on 4 fresh pairs of servers
(each order of starting them twice). Taking turns 1:1 matters: a first version sent two
clients' requests to the auth-on server for each one to the auth-off server and measured the
auth-off server 10–15 % slower, a gap an A/A test with equal shares did not show.

  10-point requests     ``POST …/runs/{id}/metrics`` of 10 points through the HTTP backend
                        (auth is paid on every request: the worst case), 1,000 requests each
                        per pair, taking turns request by request; the figure is the median
                        over the pairs of the ratio of median request times (as a throughput:
                        off ÷ on)
  run.log per call      200,000 ``run.log`` calls, durable at run end (the SDK sends a few
                        big batches, so auth is paid a handful of times), 5 runs each per
                        pair, taking turns run by run; the figure is the median of the runs'
                        on ÷ off ratios

With auth on, the client is a contributor (a non-admin member: a cached token lookup plus a
role lookup per request); the admin's figure is printed as information.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

CALL_POINTS = 200_000
ROUNDS = 5
REQUESTS = 1_000
PAIRS = 4  # fresh server processes, each order of starting them twice
REQUEST_POINTS = 10
WORKSPACE = "bench"


def contributor_token(url: str, admin_token: str) -> str:
    """A non-admin user with the contributor role in the bench workspace; returns its token."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=30) as api:
        api.post("/users", json={"name": "alice"}).raise_for_status()
        created = api.post("/tokens", json={"name": "bench", "user": "alice"})
        created.raise_for_status()
        api.put(
            f"/workspaces/{WORKSPACE}/members", json={"user": "alice", "role": "contributor"}
        ).raise_for_status()
        return str(created.json()["token"])


def log_per_call(workspace) -> float:  # noqa: ANN001
    """Points/s of per-call ``run.log``, durable at run end; checks the server has them all."""
    from kuznia import Experiment, Run

    run = Experiment(workspace, "auth-calls").start_logging()
    log = run.log
    start = time.perf_counter()
    for i in range(CALL_POINTS):
        log("loss", 1.0 / (i + 1))
    run.complete()
    seconds = time.perf_counter() - start
    stored = Run.get(workspace, run.id).get_metric_history("loss", max_points=2).total_count
    if stored != CALL_POINTS:
        raise AssertionError(f"{stored} of {CALL_POINTS} points stored at run end")
    return CALL_POINTS / seconds


def measure_calls(workspaces: dict[str, object]) -> dict[str, list[float]]:
    """Points/s of ``ROUNDS`` runs per client; the clients take turns, the order rotating."""
    figures: dict[str, list[float]] = {name: [] for name in workspaces}
    names = list(workspaces)
    for round_ in range(ROUNDS):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            figures[name].append(log_per_call(workspaces[name]))
        common.log(
            f"run.log round {round_ + 1}/{ROUNDS}: "
            + ", ".join(f"{n} {figures[n][-1]:,.0f} points/s" for n in names)
        )
    return figures


def measure_requests(workspaces: dict[str, object]) -> dict[str, list[float]]:
    """Seconds of each 10-point request; the clients take turns request by request."""
    from kuznia import Experiment
    from kuznia.entities.metrics import MetricBatch, MetricSeries

    runs = {
        name: Experiment(ws, "auth-requests").start_logging() for name, ws in workspaces.items()
    }
    times: dict[str, list[float]] = {name: [] for name in workspaces}
    names = list(workspaces)
    now = time.time()
    for n in range(REQUESTS):
        steps = list(range(n * REQUEST_POINTS, (n + 1) * REQUEST_POINTS))
        batch = MetricBatch(
            series=[
                MetricSeries(
                    name="x",
                    values=[float(s) for s in steps],
                    steps=steps,
                    timestamps=[now] * REQUEST_POINTS,
                )
            ]
        )
        shift = n % len(names)
        for name in names[shift:] + names[:shift]:
            workspace = workspaces[name]
            backend = workspace._backend  # type: ignore[attr-defined]
            start = time.perf_counter()
            stored = backend.log_metrics(workspace.name, runs[name].id, batch)  # type: ignore[attr-defined]
            times[name].append(time.perf_counter() - start)
            if stored != REQUEST_POINTS:
                raise AssertionError(f"{name}: server stored {stored} of {REQUEST_POINTS} points")
        if (n + 1) % 500 == 0:
            common.log(
                f"requests {n + 1:,}/{REQUESTS:,}: median so far "
                + ", ".join(f"{k} {statistics.median(v) * 1000:.2f} ms" for k, v in times.items())
            )
    for run in runs.values():
        run.complete()
    return times


def measure_pair(folder: Path, on_first: bool) -> dict[str, tuple[dict, dict]]:
    """A fresh pair of servers (auth off, auth on); for each auth-on client (contributor,
    admin) both workloads, that client and the auth-off client taking turns 1:1."""
    from kuznia import Workspace

    with contextlib.ExitStack() as servers:
        urls: dict[str, str] = {}
        for which in ("on", "off") if on_first else ("off", "on"):
            urls[which] = servers.enter_context(
                common.kuznia_server(folder / which, auth=which == "on")
            )
            if which == "on":
                admin_token = os.environ["KUZNIA_TOKEN"]  # the next server sets its own
        off = Workspace.create(WORKSPACE, server=urls["off"], exist_ok=True)
        admin = Workspace.create(WORKSPACE, server=urls["on"], token=admin_token, exist_ok=True)
        token = contributor_token(urls["on"], admin_token)
        contributor = Workspace.get(WORKSPACE, server=urls["on"], token=token)
        found = {}
        for who, on in (("contributor", contributor), ("admin", admin)):
            duo = {"auth off": off, "auth on": on}
            common.log(f"auth on as {who}: {REQUESTS:,} {REQUEST_POINTS}-point requests each")
            request_times = measure_requests(duo)
            common.log(f"auth on as {who}: {ROUNDS} rounds of {CALL_POINTS:,} run.log calls")
            found[who] = (request_times, measure_calls(duo))
    return found


def run() -> list[common.Result]:
    folder = common.scratch_dir("auth")
    pairs = []
    try:
        for n in range(PAIRS):
            first = "on" if n % 2 else "off"
            common.log(f"server pair {n + 1}/{PAIRS}: auth off and auth on (auth {first} first)")
            pairs.append(measure_pair(folder / f"pair-{n}", on_first=n % 2 == 1))
    finally:
        common.remove(folder)
    results = []
    for who, target in (("contributor", 95.0), ("admin", None)):
        on, off, ratios = [], [], []
        for pair in pairs:
            request_times = pair[who][0]
            on.append(statistics.median(request_times["auth on"]))
            off.append(statistics.median(request_times["auth off"]))
            ratios.append(100.0 * off[-1] / on[-1])
        results.append(
            common.Result(
                f"auth on ({who}) ÷ auth off: {REQUEST_POINTS}-point POST …/metrics requests",
                "% of auth off",
                statistics.median(ratios),
                None,
                target=target,
                note=(
                    "median request time, auth on vs off, per server pair: "
                    + "; ".join(
                        f"{a * 1000:.2f} vs {b * 1000:.2f} ms" for a, b in zip(on, off, strict=True)
                    )
                    + f" ({1 / statistics.median(on):,.0f} vs {1 / statistics.median(off):,.0f} "
                    f"req/s); {REQUESTS:,} requests each per pair, taking turns; the figure is "
                    f"the median of the pairs' ratios ({', '.join(f'{r:.1f} %' for r in ratios)})"
                    "; SQLite"
                ),
                details={"on_median_s": on, "off_median_s": off, "ratios": ratios},
            )
        )
    for who, target in (("contributor", 95.0), ("admin", None)):
        on_rates = [r for pair in pairs for r in pair[who][1]["auth on"]]
        off_rates = [r for pair in pairs for r in pair[who][1]["auth off"]]
        ratios = [100.0 * a / b for a, b in zip(on_rates, off_rates, strict=True)]
        results.append(
            common.Result(
                f"auth on ({who}) ÷ auth off: run.log per call ({CALL_POINTS:,} points)",
                "% of auth off",
                statistics.median(ratios),
                None,
                target=target,
                note=(
                    f"auth on {common.fmt(statistics.median(on_rates))} points/s, auth off "
                    f"{common.fmt(statistics.median(off_rates))} points/s (medians of "
                    f"{len(ratios)} rounds taking turns over {PAIRS} server pairs; the figure "
                    "is the median of the rounds' ratios); SQLite"
                ),
                details={"on": on_rates, "off": off_rates, "ratios": ratios},
            )
        )
    return results


if __name__ == "__main__":
    common.main(run)
