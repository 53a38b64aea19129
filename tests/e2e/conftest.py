"""A real browser for the Studio tests: Debian's Chromium driven by Playwright.

Never a downloaded browser: ``executable_path`` points at /usr/bin/chromium,
which `make test` installs from Debian when it is missing. Each test gets a
fresh browser context; JavaScript errors on a page fail the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kuznia.services.access import hash_token
from kuznia.services.sessions import SESSION_COOKIE, make_session
from kuznia.services.stores import Stores
from kuznia.store.users import token_owner
from tests.conftest import ADMIN_TOKEN
from tests.e2e.studio_data import BigExperiment, log_long_metric, seed_runs
from tests.factories import login_csrf_token

CHROMIUM = os.environ.get("KUZNIA_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "studio"
BIG_RUNS = 10_000
BIG_METRICS = 20
LONG_POINTS = 1_000_000


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Studio tests need Chromium at {CHROMIUM}; `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives every browser a fresh, temporary user-data dir.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):  # noqa: ANN001, ANN201
    """A page in a fresh context (own cookies).

    Fails the test on an uncaught JavaScript error, a console error, or a failed
    script, stylesheet or fetch request (a page itself may be a 400 or 404 on purpose).
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # signed in, as Studio's login page would: a session cookie of the test server's admin token
    stores: Stores = request.getfixturevalue("stores")
    with stores.db.read() as conn:
        found = token_owner(conn, hash_token(ADMIN_TOKEN))
    assert found is not None
    context.add_cookies([{"name": SESSION_COOKIE, "value": make_session(stores, found[0].id),
                          "domain": "127.0.0.1", "path": "/"}])
    context.set_default_timeout(20_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda msg: errors.append(msg.text)
              if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    opened.on("response", lambda response: errors.append(f"{response.status} {response.url}")
              if response.status >= 400 and response.request.resource_type != "document" else None)
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def sign_in(context, url: str, token: str = ADMIN_TOKEN) -> None:  # noqa: ANN001
    """Sign the browser context in to Studio with an API token (the session cookie is shared)."""
    form = context.request.get(f"{url}/login")
    response = context.request.post(f"{url}/login", max_redirects=0, form={
        "token": token, "next": "/", "csrf_token": login_csrf_token(form.text())})
    assert response.status == 303, f"signing in failed: {response.status} {response.text()[:200]}"


def screenshot(page, name: str) -> None:  # noqa: ANN001
    """Save a full-page screenshot to test-artifacts/studio/ (gitignored) for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    page.screenshot(path=str(ARTIFACTS / f"{name}-{worker}.png"), full_page=True)


@pytest.fixture(scope="session")
def big(stores: Stores) -> BigExperiment:
    """10,000 finished runs × 20 metrics in one experiment, and one run with a 10⁶-point metric."""
    seeded = seed_runs(stores, f"big-{uuid.uuid4().hex[:8]}", "sweep", BIG_RUNS, BIG_METRICS)
    log_long_metric(stores, "sweep_00000", "long_loss", LONG_POINTS)
    return seeded
