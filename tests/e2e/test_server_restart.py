"""A server restart: queued runs start, runs whose processes died are marked, live ones reconnect."""

from __future__ import annotations

import textwrap
import time

from kuznia import Experiment, Workspace
from kuznia.sdk.script_run_config import ScriptRunConfig
from tests import factories
from tests.conftest import ServerProcess, bootstrap_process, clean_env


def _wait(predicate, timeout=90.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("not reached in time")


def test_restart_recovers(tmp_path):
    env = clean_env(tmp_path / "home")
    env.update(KUZNIA_DATABASE_URL=f"sqlite:///{tmp_path / 'server.db'}",
               KUZNIA_STORAGE_URL=str(tmp_path / "blobs"), KUZNIA_DISPATCH_INTERVAL="0.3")
    server = ServerProcess(env).start()
    gate = tmp_path / "gate"
    try:
        ws = Workspace.create("team", server=server.url)
        factories.fast_compute(ws, max_concurrent_runs=2, failed_after_seconds=6.0)
        src = factories.source_folder(tmp_path / "src", {"wait.py": textwrap.dedent(f"""
            import os, time
            print("started", flush=True)
            while not os.path.exists({str(gate)!r}):
                time.sleep(0.1)
            print("done", flush=True)
        """)})
        exp = Experiment(ws, "e")
        doomed, survivor, queued = (exp.submit(ScriptRunConfig(src, "wait.py")) for _ in range(3))
        _wait(lambda: "started" in doomed.get_logs() and "started" in survivor.get_logs())
        assert queued.get_status() == "Queued"

        doomed_process = bootstrap_process(doomed)
        server.kill()  # the server dies …
        doomed_process.kill()  # … and so does one run's process, while nobody watches
        time.sleep(1)
        server.start()  # same port, same database

        seen: list[str] = []
        _wait(lambda: seen.append(doomed.get_status()) or seen[-1] == "Failed")
        assert "NotResponding" in seen
        gate.write_text("go")
        survivor.wait_for_completion(timeout_seconds=90)
        queued.wait_for_completion(timeout_seconds=90)
        assert survivor.get_status() == "Completed" and "done" in survivor.get_logs()
        assert queued.get_status() == "Completed"
    finally:
        gate.write_text("go")
        server.stop()
