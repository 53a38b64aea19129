"""Studio in a real browser: a running script's live log, the model registry, an endpoint
with its try-it box, and the environments, compute and secrets pages."""

from __future__ import annotations

import io
import re
import time
import uuid

from playwright.sync_api import expect

from kuznia import Environment, Experiment, InferenceConfig, Model
from kuznia.backends.http import HttpBackend
from kuznia.sdk.script_run_config import ScriptRunConfig
from tests import factories
from tests.conftest import new_workspace
from tests.e2e.conftest import screenshot

TICKER = """
import time
for i in range(1, 21):
    print(f"tick {i}", flush=True)
    time.sleep(0.4)
print("all done", flush=True)
"""
SECRET_VALUE = "browser-must-never-see-this-value"


def _wait_for(condition, timeout: float = 120.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def test_logs_tab_follows_a_running_script_until_it_ends(page, server, api, tmp_path):  # noqa: ANN001
    ws = new_workspace(HttpBackend(server.url))
    src = factories.source_folder(tmp_path / "src", {"ticker.py": TICKER})
    run = Experiment(ws, "live-logs").submit(ScriptRunConfig(src, "ticker.py"))
    _wait_for(lambda: "tick 1" in run.get_logs())
    page.goto(run.get_portal_url())
    page.get_by_role("navigation", name="Run").get_by_role("link", name="Logs").click()
    log = page.get_by_role("log")
    expect(log).to_contain_text("tick 1")
    assert "all done" not in log.inner_text()  # the page opened while the script was still printing
    expect(page.get_by_role("status").first).to_contain_text("Following the live log")
    # A stream that starts while the page is open joins the list.
    api.post(f"/workspaces/{ws.name}/runs/{run.id}/logs/extra/late.log",
             json={"offset": 0, "text": "late\n"}).raise_for_status()
    streams = page.get_by_role("navigation", name="Log streams")
    expect(streams.get_by_role("link", name="extra/late.log")).to_be_visible(timeout=30_000)
    expect(log).to_contain_text("tick 10", timeout=60_000)
    screenshot(page, "run-logs-live")
    expect(log).to_contain_text("all done", timeout=60_000)
    expect(page.locator("#log-state")).to_contain_text("The run has ended", timeout=60_000)
    expect(page.locator("#run-status .status")).to_have_text("Completed", timeout=60_000)
    text = log.inner_text()
    assert text.count("tick 7\n") == 1  # each chunk appended once
    expect(streams.get_by_role("link", name="kuznia/bootstrap.log")).to_be_visible()


def test_model_and_endpoint_pages_and_the_try_it_box(page, server, tmp_path):  # noqa: ANN001
    ws = new_workspace(HttpBackend(server.url))
    with Experiment(ws, "train").start_logging(display_name="trainer") as run:
        run.upload_file("outputs/model/weights.txt", io.BytesIO(b"0.1 0.2 0.3"))
        run.upload_file("outputs/model/config.json", io.BytesIO(b'{"layers": 2}'))
    model = run.register_model("echo", model_path="outputs/model", tags={"stage": "dev"},
                               properties={"accuracy": "0.97"})
    src = factories.source_folder(tmp_path / "scoring", {"score.py": factories.ECHO_SCORE})
    service = Model.deploy(ws, f"echo-{uuid.uuid4().hex[:6]}", [model], InferenceConfig("score.py", source_directory=src))
    try:
        page.goto(f"{server.url}/workspaces/{ws.name}")
        page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Models").click()
        page.locator("#models").get_by_role("link", name="echo", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("echo")
        expect(page.get_by_role("rowheader", name="accuracy")).to_be_visible()
        expect(page.locator("#model-files")).to_contain_text("model/weights.txt")
        screenshot(page, "model")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download model/config.json").click()
        assert download.value.suggested_filename == "config.json"
        page.locator("#lineage").get_by_role("link", name=re.compile("^run ")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("trainer")

        service.wait_for_deployment(timeout_sec=180)
        page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Endpoints").click()
        row = page.locator("#endpoints tbody tr", has_text=service.name)
        expect(row).to_contain_text("Healthy")
        row.get_by_role("link", name=service.name).click()
        expect(page.locator("#endpoint-state .status")).to_have_text("Healthy")
        expect(page.get_by_role("link", name="echo:1")).to_be_visible()
        page.get_by_text("Show the keys").click()
        expect(page.locator("#keys")).to_contain_text(service.get_keys()[0])
        body = page.get_by_label(re.compile("Request body"))
        body.fill('{"data": [[5.1, 3.5], [6.7, 3.0], [1, 2]]}')
        body.press("Control+Enter")  # the keyboard sends as well as the button
        expect(page.locator("#try-status")).to_contain_text("HTTP 200")
        expect(page.locator("#try-result")).to_contain_text('"n": 3')
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#try-result")).to_contain_text('"echo"')
        expect(page.locator("#telemetry-summary")).to_contain_text("2 requests", timeout=30_000)  # counted
        screenshot(page, "endpoint")
        page.set_viewport_size({"width": 420, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        screenshot(page, "endpoint-narrow")
    finally:
        page.goto("about:blank")  # the endpoint page polls its telemetry: leave it before the endpoint goes
        service.delete()


def test_environments_compute_and_secrets_pages(page, server, tmp_path):  # noqa: ANN001
    ws = new_workspace(HttpBackend(server.url))
    (tmp_path / "requirements.txt").write_text("numpy>=1.20\n")
    Environment.from_pip_requirements("numeric", tmp_path / "requirements.txt").register(ws)
    ws.get_default_keyvault().set_secret("api-key", SECRET_VALUE)
    live = Experiment(ws, "notebook").start_logging(display_name="interactive")
    page.goto(f"{server.url}/workspaces/{ws.name}/environments")
    expect(page.locator("#environments")).to_contain_text("numpy>=1.20")
    screenshot(page, "environments")
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Compute").click()
    expect(page.get_by_role("heading", name=re.compile("^local"))).to_be_visible()
    screenshot(page, "compute")
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Secrets").click()
    expect(page.get_by_role("rowheader", name="api-key")).to_be_visible()
    assert SECRET_VALUE not in page.content()
    screenshot(page, "secrets")
    live.complete()
