"""Shared helpers of the benchmarks: the MLflow venv, servers as subprocesses, timing, results.

Every benchmark measures Kuźnia and the reference (MLflow, in its own venv) on this
machine in the same run and reports both figures and their ratio. Nothing here is a
test: figures are printed and written to ``benchmarks/README.md`` by ``run_all.py``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
MLFLOW_VENV = BENCH_DIR / ".venv-mlflow"
MLFLOW_REF = BENCH_DIR / "mlflow_ref.py"
KUZNIA_BIN = ROOT / ".venv" / "bin" / "kuznia"
# The reference figures were taken with 3.17; a newer 3.x only if that will not install.
MLFLOW_VERSIONS = ("3.17.2", "3.18.0")
# No internet here: MLflow's telemetry would only try and fail, so it is off for a fair figure.
MLFLOW_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
}
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_BENCH_DB = "kuznia_bench"


# ---------------------------------------------------------------------------- results
@dataclass
class Result:
    """One measured figure pair. ``higher_is_better`` for throughputs, false for latencies.

    ``target`` is Kuźnia's target in ``unit``; ``mlflow`` may be None when the reference has
    no equivalent (then ``note`` says why).
    """

    benchmark: str
    unit: str
    kuznia: float
    mlflow: float | None
    target: float | None
    higher_is_better: bool = True
    note: str = ""
    details: dict[str, object] = field(default_factory=dict)
    machine: str = field(default_factory=lambda: machine_load())

    @property
    def ratio(self) -> float | None:
        """How many times better Kuźnia is than MLflow (>1 means Kuźnia is better)."""
        if self.mlflow is None or not self.mlflow or not self.kuznia:
            return None
        return self.kuznia / self.mlflow if self.higher_is_better else self.mlflow / self.kuznia

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        met = self.kuznia >= self.target if self.higher_is_better else self.kuznia <= self.target
        return "pass" if met else "MISS"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "—"
        sign = "≥" if self.higher_is_better else "≤"
        target = f"{self.target:,.0f}" if float(self.target).is_integer() else fmt(self.target)
        return f"{sign} {target} {self.unit}"

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data.update(ratio=self.ratio, verdict=self.verdict)
        return data


def fmt(value: float | None) -> str:
    """A figure with sensible precision: 412,000 / 1,234 / 56.7 / 3.21 / 0.042."""
    if value is None:
        return "—"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:,.1f}×" if ratio >= 10 else f"{ratio:.2f}×"


def table_rows(results: list[Result]) -> list[list[str]]:
    return [
        [
            r.benchmark,
            r.target_text,
            f"{fmt(r.kuznia)} {r.unit}",
            f"{fmt(r.mlflow)} {r.unit}" if r.mlflow is not None else "—",
            fmt_ratio(r.ratio),
            r.verdict,
            r.machine,
        ]
        for r in results
    ]


TABLE_HEADER = [
    "benchmark",
    "target",
    "Kuźnia",
    "MLflow",
    "ratio (Kuźnia better by)",
    "result",
    "machine",
]


def markdown_table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "---|" * len(TABLE_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(results)]
    return "\n".join(lines)


def text_table(results: list[Result]) -> str:
    rows = [TABLE_HEADER, *table_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADER))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def print_results(results: list[Result]) -> None:
    """The table for people, then one JSON line per result for scripts."""
    print()
    print(text_table(results))
    for r in results:
        if r.note:
            print(f"  note [{r.benchmark}]: {r.note}")
    print()
    for r in results:
        print("RESULT " + json.dumps(r.as_dict(), default=str))
    sys.stdout.flush()


def machine_note() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores, {cpu or platform.processor()}, Python {platform.python_version()}"
    )


def machine_load() -> str:
    """Cores and the 1-minute load average now: this machine is shared, so it says how busy."""
    return f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(run: Callable[[], list[Result]]) -> None:
    """Entry point of a benchmark module run alone."""
    log(f"machine: {machine_note()}")
    print_results(run())


# ---------------------------------------------------------------------------- timing
def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, float, list[float]]:
    """(first call, median of the following ``repeats`` calls, all of them), in seconds."""
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:]), times


# ---------------------------------------------------------------------------- places
def scratch_dir(name: str) -> Path:
    """A fresh folder under benchmarks/.work (deleted first if a previous run left it)."""
    WORK_DIR.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=WORK_DIR))
    return path


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s")


@contextlib.contextmanager
def _server(
    command: list[str], health_url: str, log_file: Path, env: dict[str, str] | None = None
) -> Iterator[None]:
    with open(log_file, "wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        try:
            wait_for_http(health_url, process)
            yield
        except BaseException:
            out.flush()
            tail = log_file.read_bytes()[-3000:].decode(errors="replace")
            print(f"--- server log {log_file} (tail) ---\n{tail}", file=sys.stderr)
            raise
        finally:
            # The whole process group: MLflow's server forks workers of its own.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, 9)
                process.wait()


@contextlib.contextmanager
def client_token(token: str) -> Iterator[None]:
    """``KUZNIA_TOKEN`` set in this process (what the SDK's HTTP backend sends) for a while."""
    before = os.environ.get("KUZNIA_TOKEN")
    os.environ["KUZNIA_TOKEN"] = token
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("KUZNIA_TOKEN", None)
        else:
            os.environ["KUZNIA_TOKEN"] = before


@contextlib.contextmanager
def kuznia_server(
    folder: Path,
    database_url: str | None = None,
    auth: bool = True,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """A real ``kuznia server`` on 127.0.0.1 (SQLite in ``folder`` unless ``database_url``).

    A server authenticates every request: it starts with a first admin whose token this
    process sends (``KUZNIA_TOKEN``) while the server runs. ``auth=False`` starts it with
    ``KUZNIA_AUTH=embedded`` (no authentication, as ``kuznia studio`` does). Its home
    (secret key, endpoints) is ``folder/home``; ``env`` adds variables.
    """
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(KUZNIA_BIN),
        "server",
        "--port",
        str(port),
        "--database-url",
        database_url or f"sqlite:///{folder / 'kuznia.db'}",
        "--storage-url",
        str(folder / "blobs"),
    ]
    token = "kzu_" + secrets.token_urlsafe(32)
    server_env = {"KUZNIA_HOME": str(folder / "home"), "KUZNIA_ADMIN_TOKEN": token}
    if not auth:
        server_env["KUZNIA_AUTH"] = "embedded"
    server_env.update(env or {})
    with (
        _server(command, f"{url}/health", folder / "kuznia-server.log", env=server_env),
        client_token(token),
    ):
        yield url


# One mlflow server for a whole `make bench` (it takes a minute to start on this machine);
# run_all.py opens it with shared_mlflow_server(), a script run alone starts its own.
_SHARED_MLFLOW: list[tuple[str, str]] = []


@contextlib.contextmanager
def _start_mlflow_server(folder: Path) -> Iterator[tuple[str, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{folder / 'mlflow.db'}"
    command = [
        str(MLFLOW_VENV / "bin" / "mlflow"), "server",
        "--backend-store-uri", database,
        "--default-artifact-root", (folder / "artifacts").as_uri(),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    ensure_mlflow()
    with _server(command, f"{url}/health", folder / "mlflow-server.log", env=MLFLOW_ENV):
        yield database, url


@contextlib.contextmanager
def mlflow_server(folder: Path) -> Iterator[tuple[str, str]]:
    """(database URI, URL) of a real ``mlflow server`` on 127.0.0.1 over SQLite, one worker
    like ours: the shared one of this run if there is one, else a new one in ``folder``.
    Populating the database URI in-process while the server runs is fine (SQLite)."""
    if _SHARED_MLFLOW:
        yield _SHARED_MLFLOW[-1]
        return
    log("starting mlflow server")
    with _start_mlflow_server(folder) as found:
        yield found


@contextlib.contextmanager
def shared_mlflow_server() -> Iterator[None]:
    """Start one mlflow server that every ``mlflow_server()`` inside this block reuses."""
    folder = scratch_dir("mlflow-shared")
    log("starting the shared mlflow server")
    try:
        with _start_mlflow_server(folder) as found:
            _SHARED_MLFLOW.append(found)
            try:
                yield
            finally:
                _SHARED_MLFLOW.pop()
    finally:
        remove(folder)


# ---------------------------------------------------------------------------- MLflow
_VERSION_CHECK = "import importlib.metadata as m; print(m.version('mlflow'))"


@functools.cache
def ensure_mlflow() -> Path:
    """The python of benchmarks/.venv-mlflow, built with uv on first use; returns its path."""
    python = MLFLOW_VENV / "bin" / "python"
    if python.exists() and _installed_version(python).startswith("3."):
        return python
    uv = shutil.which("uv") or str(ROOT / ".venv" / "bin" / "uv")
    log("building the MLflow venv in benchmarks/.venv-mlflow (one time)")
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(MLFLOW_VENV)], check=True)
    for version in MLFLOW_VERSIONS:
        done = subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), f"mlflow=={version}"]
        )
        if done.returncode == 0:
            return python
    raise RuntimeError(f"could not install any of mlflow {MLFLOW_VERSIONS}")


def _installed_version(python: Path) -> str:
    done = subprocess.run([str(python), "-c", _VERSION_CHECK], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


@functools.cache
def mlflow_version() -> str:
    return _installed_version(ensure_mlflow())


def run_mlflow(command: str, **options: object) -> dict[str, object]:
    """Run ``mlflow_ref.py COMMAND --option value …`` with MLflow's python; returns its JSON."""
    python = ensure_mlflow()
    args = [str(python), str(MLFLOW_REF), command]
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **MLFLOW_ENV})
    if done.returncode != 0:
        raise RuntimeError(f"mlflow_ref {command} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- PostgreSQL
def postgres_url() -> str | None:
    """A fresh ``kuznia_bench`` database (dropped and made again), or None without a PostgreSQL."""
    if os.environ.get("KUZNIA_BENCH_POSTGRES", "1") == "0":
        return None
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {POSTGRES_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {POSTGRES_BENCH_DB}")
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL here is a normal case
        log(f"PostgreSQL not available ({type(exc).__name__}); server benchmarks on SQLite only")
        return None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{POSTGRES_BENCH_DB}"


def databases(folder: Path) -> list[tuple[str, str]]:
    """(label, database URL) pairs to run a server benchmark on: SQLite, then PostgreSQL."""
    found = [("SQLite", f"sqlite:///{folder / 'kuznia.db'}")]
    pg = postgres_url()
    if pg is not None:
        found.append(("PostgreSQL", pg))
    return found
