"""`kuznia studio`: Studio for an embedded workspace, on 127.0.0.1."""

from __future__ import annotations

import subprocess
import time

import httpx

from kuznia import Experiment, Workspace
from tests.cli.conftest import KUZNIA
from tests.conftest import free_port


def test_studio_serves_an_embedded_workspace_on_loopback(cli, tmp_path):  # noqa: ANN001
    store = tmp_path / "store"
    ws = Workspace.create("local-ws", path=store)
    with Experiment(ws, "e").start_logging(display_name="studio-run") as run:
        run.log("x", 1.0)
    port = free_port()
    process = subprocess.Popen([*KUZNIA, "studio", "--path", str(store), "--port", str(port)],
                               cwd=cli.cwd, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "kuznia studio did not start"
                time.sleep(0.2)
        assert home.status_code == 200 and "local-ws" in home.text
        page = httpx.get(f"http://127.0.0.1:{port}/workspaces/local-ws/runs/{run.id}")
        assert page.status_code == 200 and "studio-run" in page.text
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in out


def test_studio_without_a_store_says_how_to_make_one(cli, tmp_path):  # noqa: ANN001
    result = cli("studio", "--path", str(tmp_path / "nowhere"), ok=False)
    assert result.returncode != 0
    assert "no workspace store" in result.stderr and "kuznia workspace create" in result.stderr
