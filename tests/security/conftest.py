"""Fixtures of the security suite: the real FastAPI app over the real stores (SQLite and
PostgreSQL, see tests/conftest.py), and a team in one workspace — an owner, a contributor,
a reader and an outsider (a user with no role there), each with their own API token.

The app is driven in process (Starlette's TestClient over ASGI); tests that need a real
`kuznia server` start one themselves (ServerProcess in tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kuznia.server.app import create_app
from kuznia.server.settings import ServerSettings
from kuznia.services.stores import Stores
from tests.conftest import ADMIN_TOKEN

MAX_BODY = 1024 * 1024
MAX_FILE = 4 * 1024 * 1024
ROLES = ("owner", "contributor", "reader")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_settings(**changes: object) -> ServerSettings:
    base = ServerSettings(database_url="unused", storage_url="unused", key_file="unused",
                          max_body_bytes=MAX_BODY, max_file_bytes=MAX_FILE, dispatch_interval_seconds=0,
                          public_url=None, auth_required=True)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def app(stores: Stores) -> FastAPI:
    """The server's app with its real middleware, routers and Studio; no background loops."""
    return create_app(stores, make_settings())


def client_of(app: FastAPI, token: str | None = None) -> TestClient:
    client = TestClient(app, base_url="http://testserver", raise_server_exceptions=False, follow_redirects=False)
    if token:
        client.headers.update(bearer(token))
    return client


@pytest.fixture(scope="module")
def admin(app: FastAPI) -> Iterator[TestClient]:
    with client_of(app, ADMIN_TOKEN) as client:
        yield client


@dataclasses.dataclass
class Team:
    """A workspace and who is (not) in it. ``tokens`` by role, plus ``outsider``."""

    workspace: str
    users: dict[str, str]
    tokens: dict[str, str]
    run_id: str
    child_id: str
    other_run_id: str

    def client(self, app: FastAPI, who: str) -> TestClient:
        return client_of(app, self.tokens[who])


def new_user(admin: TestClient, role_name: str) -> tuple[str, str]:
    """(name, token) of a fresh user."""
    name = f"{role_name}-{uuid.uuid4().hex[:8]}"
    assert admin.post("/api/v1/users", json={"name": name}).status_code == 201
    created = admin.post("/api/v1/tokens", json={"name": "tests", "user": name})
    assert created.status_code == 201, created.text
    return name, created.json()["token"]


def make_team(admin: TestClient) -> Team:
    workspace = f"sec-{uuid.uuid4().hex[:10]}"
    assert admin.post("/api/v1/workspaces", json={"name": workspace}).status_code == 201
    users, tokens = {}, {}
    for who in (*ROLES, "outsider"):
        users[who], tokens[who] = new_user(admin, who)
        if who != "outsider":
            r = admin.put(f"/api/v1/workspaces/{workspace}/members", json={"user": users[who], "role": who})
            assert r.status_code == 200, r.text
    base = f"/api/v1/workspaces/{workspace}/runs"
    run = admin.post(base, json={"experiment_name": "exp", "status": "Running"}).json()
    child = admin.post(base, json={"experiment_name": "exp", "parent_run_id": run["id"], "status": "Running"}).json()
    other = admin.post(base, json={"experiment_name": "exp", "status": "Running"}).json()
    assert admin.put(f"{base}/{run['id']}/files/outputs/a.txt", content=b"hello").status_code == 201
    return Team(workspace, users, tokens, run["id"], child["id"], other["id"])


@pytest.fixture(scope="module")
def team(admin: TestClient) -> Team:
    return make_team(admin)


def new_run_token(stores: Stores, run_id: str) -> str:
    """A run token as the dispatcher hands one to a run's bootstrap."""
    import secrets

    from kuznia.services.access import RUN_TOKEN_PREFIX
    from kuznia.store import tokens as token_store

    token = RUN_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with stores.db.write() as conn:
        token_store.insert_run_token(conn, run_id, token)
    return token
