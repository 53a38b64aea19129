"""The metric buffer keeps points through a server outage and reports failures instead of losing them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from kuznia import Experiment, Workspace
from kuznia.errors import ConnectionFailed, NotFound
from kuznia.sdk import metric_buffer
from tests.conftest import ServerProcess, clean_env


@pytest.fixture
def server_process(tmp_path):
    env = clean_env(tmp_path / "home")
    env.update(KUZNIA_DATABASE_URL=f"sqlite:///{tmp_path / 'server.db'}", KUZNIA_STORAGE_URL=str(tmp_path / "b"))
    server = ServerProcess(env).start()
    yield server
    server.stop()


def test_points_survive_a_server_outage(server_process, monkeypatch, capsys):
    monkeypatch.setattr(metric_buffer, "RETRY_DELAYS", (0.05, 0.05))
    ws = Workspace.create("outage", server=server_process.url)
    run = Experiment(ws, "e").start_logging()
    for i in range(100):
        run.log("x", i)
    run.flush()
    server_process.kill()
    for i in range(100, 250):
        run.log("x", i)
    with pytest.raises(ConnectionFailed):
        run.flush()  # retried, then reported — and the points are kept
    assert "kept for the next try" in capsys.readouterr().err
    server_process.start()
    run.flush()
    history = run.get_metric_history("x")
    assert history.values == [float(i) for i in range(250)]
    assert history.steps == list(range(250))


def test_a_rejected_batch_is_reported_by_the_next_flush(tmp_path):
    ws = Workspace.create("gone", path=tmp_path / "store")
    run = Experiment(ws, "e").start_logging()
    run.id = "no_such_run"  # as if the run had been deleted meanwhile
    run._buffer = None
    run.log("x", 1.0)
    with pytest.raises(NotFound):
        run.flush()
    run.flush()  # reported once; nothing left to send


def test_points_are_sent_at_interpreter_exit(tmp_path):
    ws = Workspace.create("exit", path=tmp_path / "store")
    run = Experiment(ws, "e").start_logging()
    script = textwrap.dedent(f"""
        from kuznia import Workspace, Run
        ws = Workspace.get("exit", path={str(tmp_path / 'store')!r})
        run = Run.get(ws, {run.id!r})
        for i in range(30000):
            run.log("late", i)
        # no flush, no complete: the interpreter exits normally
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, env=clean_env(tmp_path / "h"))
    assert run.get_metric_history("late").total_count == 30000
