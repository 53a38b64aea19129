"""Studio in a real browser: workspaces, experiments and the runs table at 10,000 runs."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from kuznia.entities.runs import RunCreate, RunStatus, RunUpdate
from kuznia.services import runs
from tests.e2e.conftest import BIG_RUNS, screenshot
from tests.e2e.studio_data import accuracy_of


def _table_names(page) -> list[str]:  # noqa: ANN001
    return page.locator("#runs tbody a.run-link").all_inner_texts()


def _sort_by(page, column: str) -> None:  # noqa: ANN001
    page.get_by_role("columnheader", name=re.compile(rf"^{column}\b")).get_by_role("link").click()


def test_workspace_and_experiment_pages_show_run_counts_and_activity(page, server, big):  # noqa: ANN001
    page.goto(server.url + "/")
    page.get_by_role("link", name=big.workspace, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(big.workspace)
    row = page.locator("#experiments tbody tr", has_text="sweep")
    expect(row.locator("td").first).to_have_text("10,000")
    expect(row).to_contain_text("2026-01-01 02:46:40")  # last activity
    screenshot(page, "experiments")
    row.get_by_role("link", name="sweep").click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{big.workspace}/experiments/sweep$"))


def test_runs_table_of_ten_thousand_runs_filters_sorts_and_pages(page, server, big):  # noqa: ANN001
    base = f"{server.url}/workspaces/{big.workspace}/experiments/sweep"
    page.goto(base)
    expect(page.get_by_text("10,000 runs in this experiment")).to_be_visible()
    expect(page.locator("#runs tbody tr")).to_have_count(50)
    assert _table_names(page)[0] == f"run-{BIG_RUNS - 1:05d}"  # newest first
    screenshot(page, "runs-table")

    # Filter with the API's language, typed into the filter box.
    page.get_by_label("Filter", exact=True).fill("metrics.accuracy > 0.99 and tags.team = 'vision'")
    page.get_by_label("Filter", exact=True).press("Enter")
    expected = sorted(
        (i for i in range(BIG_RUNS) if accuracy_of(i) > 0.99 and i % 4 == 0), reverse=True
    )
    expect(page.locator("#runs tbody tr")).to_have_count(len(expected))
    assert _table_names(page) == [f"run-{i:05d}" for i in expected]

    # Sort by a metric column: its header is a link; a second click flips the order.
    _sort_by(page, "accuracy")
    expect(page.get_by_role("columnheader", name="accuracy")).to_have_attribute("aria-sort", "descending")
    by_accuracy = sorted(expected, key=accuracy_of, reverse=True)
    assert _table_names(page) == [f"run-{i:05d}" for i in by_accuracy]
    _sort_by(page, "accuracy")
    expect(page.get_by_role("columnheader", name="accuracy")).to_have_attribute("aria-sort", "ascending")
    assert _table_names(page) == [f"run-{i:05d}" for i in reversed(by_accuracy)]

    # Page through everything, 100 rows at a time, sorted by number.
    page.goto(base + "?order=number+asc&size=100")
    expect(page.locator("#runs tbody tr")).to_have_count(100)
    page.get_by_role("link", name="Next →").click()
    expect(page.get_by_text("Page 2", exact=True)).to_be_visible()
    assert _table_names(page)[0] == "run-00100"
    page.goto(base + "?order=number+asc&size=100&page=100")
    assert _table_names(page)[-1] == f"run-{BIG_RUNS - 1:05d}"
    expect(page.get_by_role("link", name="Next →")).to_have_count(0)
    page.get_by_role("link", name="← Previous").click()
    assert _table_names(page)[0] == "run-09800"


def test_search_finds_runs_by_name_and_by_tag_value(page, server, big):  # noqa: ANN001
    page.goto(f"{server.url}/workspaces/{big.workspace}/experiments/sweep")
    page.get_by_label("Search name or tag").fill("run-0420")
    page.get_by_label("Search name or tag").press("Enter")
    expect(page.locator("#runs tbody tr")).to_have_count(10)  # run-04200 … run-04209
    page.get_by_label("Search name or tag").fill("speech")
    page.get_by_label("Search name or tag").press("Enter")
    expect(page.locator("#runs tbody tr").first).to_contain_text("speech")
    for tags in page.locator("#runs tbody td.tags").all_inner_texts()[:10]:
        assert "speech" in tags


def test_a_bad_filter_is_explained_next_to_the_field(page, server, big):  # noqa: ANN001
    page.goto(f"{server.url}/workspaces/{big.workspace}/experiments/sweep")
    page.get_by_label("Filter", exact=True).fill("metrics.accuracy >> 2")
    page.get_by_label("Filter", exact=True).press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("position")
    expect(page.get_by_label("Filter", exact=True)).to_have_attribute("aria-invalid", "true")


def test_runs_table_works_from_the_keyboard(page, server, big):  # noqa: ANN001
    page.goto(f"{server.url}/workspaces/{big.workspace}/experiments/sweep?order=number+asc")
    first = page.locator("#runs tbody tr").first
    first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#runs tbody tr").nth(2)).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    expect(page.get_by_text("2 selected")).to_be_visible()
    expect(page.get_by_role("button", name="Compare selected")).to_be_enabled()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/runs/sweep_00001$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("run-00001")
    page.go_back()
    page.keyboard.press("/")
    expect(page.get_by_label("Search name or tag")).to_be_focused()


def test_status_of_a_running_run_updates_without_reloading(page, server, big):  # noqa: ANN001
    live = runs.create_run(big.scope, RunCreate(experiment_name="live", display_name="still-going"))
    page.goto(f"{server.url}/workspaces/{big.workspace}/experiments/live")
    row = page.locator("#runs tbody tr", has_text="still-going")
    expect(row.locator(".status")).to_have_text("Running")
    runs.update_run(big.scope, live.id, RunUpdate(status=RunStatus.COMPLETED))
    expect(row.locator(".status")).to_have_text("Completed", timeout=15_000)
    expect(row).to_have_attribute("data-terminal", "true")


def test_runs_table_is_readable_in_a_narrow_window(page, server, big):  # noqa: ANN001
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{server.url}/workspaces/{big.workspace}/experiments/sweep?size=25")
    first = page.locator("#runs tbody tr").first
    expect(first.get_by_role("link")).to_be_visible()
    box = first.bounding_box()
    assert box is not None and box["width"] <= 400
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways ({width}px wide)"
    screenshot(page, "runs-table-narrow")
