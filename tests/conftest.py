"""Shared fixtures: real SQLite and PostgreSQL, a real HTTP server on 127.0.0.1.

The contract suites take the ``ws`` fixture and so run four times:
{in-process, HTTP} × {SQLite, PostgreSQL}. Every test gets its own workspace,
so tests share databases without seeing each other's data. Each pytest-xdist
worker creates its own PostgreSQL database and drops it at the end.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn

from kuznia.backends.http import HttpBackend
from kuznia.backends.local import LocalBackend
from kuznia.sdk.workspace import Workspace
from kuznia.server.app import create_app
from kuznia.server.settings import ServerSettings
from kuznia.services.stores import Stores, open_embedded, open_server

POSTGRES_ADMIN = os.environ.get("KUZNIA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
# The first admin of every test server; SDK clients send it by default (KUZNIA_TOKEN).
ADMIN_TOKEN = "kzu_test-admin-token-0123456789abcdefghij"
DATABASES = ["sqlite", "postgresql"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the developer's ~/.kuznia; start each test in its own folder."""
    monkeypatch.setenv("KUZNIA_HOME", str(tmp_path / "kuznia-home"))
    monkeypatch.setenv("KUZNIA_FORKSERVER_IDLE_SECONDS", "120")  # do not outlive the test session long
    monkeypatch.setenv("KUZNIA_TOKEN", ADMIN_TOKEN)
    for name in ("KUZNIA_WORKSPACE", "KUZNIA_PATH", "KUZNIA_SERVER", "KUZNIA_RUN_ID",
                 "KUZNIA_TRACKING_URI", "KUZNIA_DATABASE_URL", "KUZNIA_STORAGE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"kuznia_test_{worker}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.fail(f"PostgreSQL is needed at {POSTGRES_ADMIN}: {exc}")
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    yield f"{base}/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_stores(kind: str, folder: Path, postgres_url: str) -> Stores:
    if kind == "sqlite":
        return open_embedded(folder / "store", create=True)
    stores = open_server(postgres_url, str(folder / "blobs"), folder / "secret.key")
    stores.db.migrate()
    return stores


@pytest.fixture(scope="session", params=DATABASES)
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    kind = request.param
    url = request.getfixturevalue("postgres_url") if kind == "postgresql" else ""
    made = make_stores(kind, tmp_path_factory.mktemp(f"stores-{kind}"), url)
    from kuznia.services.users import init_admin

    init_admin(made, token=ADMIN_TOKEN)
    yield made
    made.close()


class ServerThread:
    """uvicorn serving an app in a thread of the test process, on a free port of 127.0.0.1.
    ``make_app(url)`` builds the app once the URL is known (runs' bootstraps call it)."""

    def __init__(self, make_app) -> None:  # noqa: ANN001
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = make_app(self.url)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("test server did not start")

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def server_settings() -> ServerSettings:
    return ServerSettings(database_url="unused", storage_url="unused", key_file="unused",
                          max_body_bytes=8 * 1024 * 1024, max_file_bytes=64 * 1024 * 1024)


@pytest.fixture(scope="session")
def server(stores: Stores, server_settings: ServerSettings) -> Iterator[ServerThread]:
    def make_app(url: str):  # noqa: ANN202
        # With SQLite, bootstraps use the store folder directly (embedded); with
        # PostgreSQL they talk to this server over HTTP, as on a team server.
        public = url if not stores.db.is_sqlite else None
        return create_app(stores, dataclasses.replace(server_settings, public_url=public,
                                                      dispatch_interval_seconds=0.5))

    with ServerThread(make_app) as running:
        yield running


@pytest.fixture(params=["local", "http"])
def backend(request: pytest.FixtureRequest, stores: Stores):  # noqa: ANN201
    running: ServerThread = request.getfixturevalue("server")  # also where PostgreSQL runs report
    if request.param == "local":
        yield LocalBackend(stores, {"path": "in-process"})
        return
    client = HttpBackend(running.url, token=ADMIN_TOKEN)
    yield client
    client.close()


def new_workspace(backend) -> Workspace:  # noqa: ANN001
    from kuznia.entities.workspaces import WorkspaceCreate

    entity = backend.create_workspace(WorkspaceCreate(name=f"ws-{uuid.uuid4().hex[:12]}"))
    return Workspace._wrap(backend, entity)


@pytest.fixture
def ws(backend) -> Workspace:  # noqa: ANN001
    """A fresh workspace on each of {in-process, HTTP} × {SQLite, PostgreSQL}."""
    return new_workspace(backend)


@pytest.fixture
def api(stores: Stores, server: ServerThread) -> Iterator[httpx.Client]:
    """A raw HTTP client of the test server, for API-level assertions."""
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
        yield client


@pytest.fixture
def api_ws(api: httpx.Client) -> str:
    name = f"ws-{uuid.uuid4().hex[:12]}"
    assert api.post("/workspaces", json={"name": name}).status_code == 201
    return name


class ServerProcess:
    """A real `kuznia server` subprocess on 127.0.0.1 (what users and CI run)."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.env = env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kuznia.cli", "server", "--port", str(self.port)],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120  # a busy machine starts slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(self.process.stderr.read().decode())  # type: ignore[union-attr]
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.kill()
        raise AssertionError("kuznia server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def bootstrap_process(run):  # noqa: ANN001, ANN201
    """The bootstrap process of a submitted run, from the pid its log reports."""
    import re

    import psutil

    found = re.search(r"\(pid (\d+)\)", run.get_logs("kuznia/bootstrap.log"))
    assert found, "the bootstrap has not reported its pid yet"
    return psutil.Process(int(found.group(1)))


def clean_env(home: Path) -> dict[str, str]:
    """A subprocess environment: no Kuźnia settings but a home, and the test admin's token
    (a server started with it takes it as its first admin's; clients send it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUZNIA_")}
    env.update(KUZNIA_HOME=str(home), COLUMNS="200", NO_COLOR="1", KUZNIA_TOKEN=ADMIN_TOKEN,
               KUZNIA_ADMIN_TOKEN=ADMIN_TOKEN)
    return env
