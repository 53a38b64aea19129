"""Test data builders."""

from __future__ import annotations

import textwrap
import uuid
from contextlib import contextmanager

from kuznia.sdk.experiment import Experiment
from kuznia.sdk.run import Run
from kuznia.sdk.workspace import Workspace

# A scoring script that needs no model library: answers with what it was sent.
ECHO_SCORE = textwrap.dedent("""
    import json

    def init():
        print("echo ready", flush=True)

    def run(raw_data):
        return {"echo": json.loads(raw_data), "n": len(json.loads(raw_data).get("data", []))}
""")


def experiment(ws: Workspace, name: str | None = None) -> Experiment:
    return Experiment(ws, name or f"exp-{uuid.uuid4().hex[:8]}")


def run(ws: Workspace, experiment_name: str | None = None, **kwargs) -> Run:  # noqa: ANN003
    return experiment(ws, experiment_name).start_logging(**kwargs)


def fast_compute(ws: Workspace, **settings) -> None:  # noqa: ANN003
    """Short heartbeats and timeouts on the workspace's local target, so failures show fast."""
    from kuznia.sdk.compute import ComputeTarget

    defaults = {
        "heartbeat_interval_seconds": 0.3,
        "not_responding_after_seconds": 4.0,
        "failed_after_seconds": 8.0,
        "cancel_grace_seconds": 2.0,
        "system_metrics_interval_seconds": 0.5,
    }
    ComputeTarget(ws, "local").update(**{**defaults, **settings})


def source_folder(root, files: dict[str, str]):  # noqa: ANN001, ANN201
    """A source folder with the given files (relative path -> text)."""
    from pathlib import Path

    root = Path(root)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@contextmanager
def signed_in(url: str, token: str | None = None):  # noqa: ANN201
    """An httpx client with a Studio session (what a browser has after /login); the test
    admin's token by default."""
    import httpx

    from tests.conftest import ADMIN_TOKEN

    with httpx.Client(base_url=url, timeout=30) as made:
        form = made.get("/login")
        response = made.post("/login", data={"token": token or ADMIN_TOKEN, "next": "/",
                                             "csrf_token": login_csrf_token(form.text)})
        assert response.status_code == 303, response.text[:300]
        yield made


def login_csrf_token(login_page: str) -> str:
    """The CSRF token of Studio's sign-in form (a browser posts it back with the form)."""
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    assert found, "the sign-in page has no CSRF token"
    return found.group(1)
