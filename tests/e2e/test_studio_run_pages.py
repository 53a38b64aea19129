"""Studio in a real browser: one run's pages, files, charts, Cancel, and Compare."""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path

from playwright.sync_api import expect

from kuznia import Experiment
from kuznia.backends.http import HttpBackend
from kuznia.sdk.workspace import Workspace
from tests.conftest import new_workspace
from tests.e2e.conftest import screenshot
from tests.factories import signed_in


def _sdk_workspace(server) -> Workspace:  # noqa: ANN001
    return new_workspace(HttpBackend(server.url))


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f1d8f60000000049454e44ae426082"
)


def test_portal_url_opens_the_run_overview(page, server):  # noqa: ANN001
    ws = _sdk_workspace(server)
    experiment = Experiment(ws, "overview")
    with experiment.start_logging(display_name="parent-run", tags={"team": "vision"}) as run:
        run.add_properties({"azureml.git.branch": "main", "seed": "7"})
        run.log("accuracy", 0.93)
        child = run.child_run("fold-1")
        child.log("accuracy", 0.9)
        child.complete()
    page.goto(run.get_portal_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text("parent-run")
    expect(page.locator("#run-status .status")).to_have_text("Completed")
    details = page.get_by_role("region", name="Details")
    expect(details).to_contain_text("overview")          # experiment
    expect(details).to_contain_text(run.id)
    expect(page.get_by_role("rowheader", name="seed")).to_be_visible()
    expect(page.get_by_role("rowheader", name="azureml.git.branch")).to_be_visible()  # source section
    expect(page.get_by_role("link", name="fold-1")).to_be_visible()
    screenshot(page, "run-overview")
    page.get_by_role("link", name="fold-1").click()
    expect(page.get_by_role("row", name=re.compile("Parent"))).to_contain_text("parent-run")


def test_million_point_metric_renders_as_a_chart_and_zooms_at_full_detail(page, server, big):  # noqa: ANN001
    page.goto(f"{server.url}/workspaces/{big.workspace}/runs/sweep_00000/metrics")
    card = page.locator(".chart-card", has=page.get_by_role("heading", name="long_loss"))
    expect(card).to_have_attribute("data-state", "ready")
    expect(card.locator(".chart-status")).to_contain_text("1,000,000 points · showing")
    expect(card.locator("canvas")).to_have_count(1)
    expect(page.locator(".chart-card[data-state=ready]")).to_have_count(len(big.metric_names) + 1)
    screenshot(page, "run-metrics")

    # Drag across the middle of the chart: the visible steps come back at full detail.
    over = card.locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.40, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.41, y, steps=3)
    page.mouse.move(box["x"] + box["width"] * 0.42, y, steps=3)
    page.mouse.up()
    expect(card).to_have_attribute("data-zoomed", "true")
    expect(card).to_have_attribute("data-state", "ready")
    status = card.locator(".chart-status").inner_text()
    found = re.search(r"steps ([\d,]+)–([\d,]+): ([\d,]+) of ([\d,]+) points in range", status)
    assert found, status
    first, last, shown, in_range = (int(g.replace(",", "")) for g in found.groups())
    assert 300_000 < first < last < 500_000
    assert in_range == last - first + 1          # every step of the range was read…
    assert shown >= min(in_range, 1000)          # …and drawn at (nearly) full detail
    card.get_by_role("button", name="Reset zoom").click()
    expect(card).to_have_attribute("data-zoomed", "false")

    # Log scale, time axis and smoothing redraw every chart without errors.
    page.get_by_label("Y scale").select_option("log")
    page.get_by_label("X axis").select_option("relative")
    page.get_by_label(re.compile("Smoothing")).fill("0.9")
    expect(card.locator(".u-legend")).to_contain_text("long_loss (smoothed)")
    expect(card).to_have_attribute("data-state", "ready")


def test_tables_and_images_logged_by_the_run_are_shown(page, server, tmp_path):  # noqa: ANN001
    ws = _sdk_workspace(server)
    picture = tmp_path / "confusion.png"
    picture.write_bytes(PNG)
    with Experiment(ws, "tables").start_logging() as run:
        run.log_table("per_class", {"class": ["cat", "dog"], "f1": [0.91, 0.87]})
        run.log_row("epochs", epoch=1, loss=0.5)
        run.log_row("epochs", epoch=2, loss=0.25)
        run.log_image("confusion", path=picture)
    page.goto(run.get_portal_url() + "/tables")
    table = page.get_by_role("table", name=re.compile("per_class"))
    expect(table.get_by_role("cell", name="dog")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("epochs")).locator("tbody tr")).to_have_count(2)
    image = page.get_by_role("img", name="confusion")
    expect(image).to_be_visible()
    assert _loaded_image_width(page, "img[alt=confusion]") == 1


def test_files_browser_previews_text_json_csv_and_images_and_downloads(page, server):  # noqa: ANN001
    ws = _sdk_workspace(server)
    with Experiment(ws, "files").start_logging() as run:
        run.upload_file("outputs/notes.txt", io.BytesIO(b"hello <b>world</b>\n"))
        run.upload_file("outputs/config.json", io.BytesIO(json.dumps({"lr": 0.1, "layers": [1, 2]}).encode()))
        run.upload_file("outputs/scores.csv", io.BytesIO(b"name,score\nalice,3\nbob,5\n"))
        run.upload_file("outputs/img/pic.png", io.BytesIO(PNG))
        run.upload_file("readme.md", io.BytesIO(b"# top"))
    page.goto(run.get_portal_url() + "/files")
    files = page.locator("#files")
    expect(files.get_by_role("link", name="readme.md", exact=True)).to_be_visible()
    files.get_by_role("link", name="outputs/", exact=True).click()
    expect(page.get_by_role("navigation", name="Folder")).to_contain_text("outputs")
    screenshot(page, "run-files")

    page.locator("#files").get_by_role("link", name="notes.txt", exact=True).click()
    expect(page.locator("#preview pre")).to_have_text("hello <b>world</b>\n")  # shown, not interpreted
    page.go_back()
    page.locator("#files").get_by_role("link", name="config.json", exact=True).click()
    expect(page.locator("#preview pre")).to_contain_text('"layers": [\n    1,')
    page.go_back()
    page.locator("#files").get_by_role("link", name="scores.csv", exact=True).click()
    expect(page.get_by_role("columnheader", name="score")).to_be_visible()
    expect(page.get_by_role("cell", name="bob")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download", exact=True).click()
    assert Path(download.value.path()).read_bytes() == b"name,score\nalice,3\nbob,5\n"
    page.goto(run.get_portal_url() + "/files/outputs/img/pic.png")
    expect(page.locator("#preview img")).to_be_visible()
    assert _loaded_image_width(page, "#preview img") == 1


def test_cancel_button_cancels_a_live_run_and_tokenless_posts_are_refused(page, server):  # noqa: ANN001
    ws = _sdk_workspace(server)
    run = Experiment(ws, "cancel").start_logging(display_name="to-cancel")
    cancel_url = run.get_portal_url() + "/cancel"
    # A cross-site form cannot know the token: a POST without it (or with a wrong one) is refused.
    with signed_in(server.url) as client:
        refused = client.post(cancel_url, data={})
        assert refused.status_code == 403
        assert "security token" in refused.text
        client.cookies.set("kuznia_csrf", "guessed")
        assert client.post(cancel_url, data={"csrf_token": "0" * 64}).status_code == 403
    assert ws._backend.get_run(ws.name, run.id).status == "Running"

    page.goto(run.get_portal_url())
    page.on("dialog", lambda dialog: dialog.accept())
    screenshot(page, "run-live")
    page.get_by_role("button", name="Cancel run").click()
    expect(page.get_by_role("status")).to_contain_text("Cancel sent")
    expect(page.locator("#run-status .status")).to_have_text("Canceled")
    expect(page.get_by_role("button", name="Cancel run")).to_have_count(0)
    assert ws._backend.get_run(ws.name, run.id).status == "Canceled"


def test_compare_two_runs_side_by_side_with_overlaid_charts(page, server):  # noqa: ANN001
    ws = _sdk_workspace(server)
    experiment = Experiment(ws, "compare")
    for name, lr in (("slow", "0.01"), ("fast", "0.1")):
        with experiment.start_logging(display_name=name, tags={"lr": lr, "team": "vision"}) as run:
            for step in range(50):
                run.log("loss", (1.0 if name == "slow" else 0.5) / (step + 1))
    page.goto(f"{server.url}/workspaces/{ws.name}/experiments/compare")
    for name in ("slow", "fast"):
        page.get_by_role("checkbox", name=f"Select {name}").check()
    page.get_by_role("button", name="Compare selected").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare 2 runs")
    table = page.locator("#compare-table")
    expect(table.get_by_role("row", name=re.compile(r"^lr differs"))).to_have_class("differs")
    expect(table.get_by_role("row", name=re.compile(r"^team"))).to_have_class("same")
    expect(page.locator("#compare-chart")).to_have_attribute("data-state", "ready")
    expect(page.locator("#compare-chart .u-legend")).to_contain_text("slow")
    expect(page.locator("#compare-chart .u-legend")).to_contain_text("fast")
    page.get_by_label("Show only rows that differ").check()
    expect(table.get_by_role("row", name=re.compile(r"^team"))).to_be_hidden()
    screenshot(page, "compare")


def test_compare_a_sweep_draws_parallel_coordinates(page, server, big):  # noqa: ANN001
    page.goto(f"{server.url}/workspaces/{big.workspace}/compare?experiment=sweep&filter=number+<%3D+40")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare 40 runs")
    figure = page.locator("#parallel")
    expect(figure).to_have_attribute("data-state", "ready")
    expect(figure.get_by_role("img")).to_have_attribute("aria-label", re.compile("metric: accuracy"))
    box = figure.locator("canvas").bounding_box()
    assert box is not None and box["width"] > 300
    screenshot(page, "compare-sweep")


def test_unknown_pages_are_html_error_pages(page, server):  # noqa: ANN001
    ws = _sdk_workspace(server)
    response = page.goto(f"{server.url}/workspaces/{ws.name}/runs/no-such-run-{uuid.uuid4().hex[:6]}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("alert")).to_contain_text("not found in workspace")
    response = page.goto(f"{server.url}/workspaces/no-such-workspace")
    assert response is not None and response.status == 404


def _loaded_image_width(page, selector: str) -> int:  # noqa: ANN001
    """Width of an image once the browser has finished fetching it (thumbnails load lazily)."""
    page.wait_for_function("s => document.querySelector(s).complete", arg=selector)
    return page.evaluate("s => document.querySelector(s).naturalWidth", selector)
