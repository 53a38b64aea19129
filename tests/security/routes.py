"""The app's route table, walked: every (method, path) with plausible values in its path
parameters, and what each kind of caller must get there.

A route added to the app is checked by tests/security/test_route_table.py without anyone
listing it; the only lists kept here are the few routes open without a token (with the
reason) and the routes outside workspaces (whose rules differ per route).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from kuznia.server.deps import get_read_scope

# (method, path template) -> why it answers without a token
ANONYMOUS_ALLOWED: dict[tuple[str, str], str] = {
    ("GET", "/health"): "liveness probe for load balancers and `kuznia server` start-up checks",
    ("GET", "/login"): "the Studio sign-in page itself",
    ("POST", "/login"): "exchanges an API token (in the form) for a session cookie",
    ("POST", "/api/v1/workspaces/{workspace}/endpoints/{name}/score"):
        "scoring: the gateway checks the endpoint's keys (or a member's token) itself",
    ("GET", "/api/v1/workspaces/{workspace}/endpoints/{name}/swagger.json"):
        "a deployment's swagger is public to the clients of its endpoint, as in Azure ML",
}

# Routes outside any workspace: what a signed-in user who is not a server admin gets.
NON_ADMIN_EXPECTED: dict[tuple[str, str], set[int]] = {
    ("GET", "/openapi.json"): {200},
    ("GET", "/docs"): {200},
    ("GET", "/docs/oauth2-redirect"): {200},
    ("GET", "/redoc"): {200},
    ("GET", "/metrics"): {403},  # labels name every workspace and endpoint: admins only
    ("GET", "/health"): {200},
    ("GET", "/login"): {200},
    ("POST", "/login"): {400, 401},
    ("POST", "/logout"): {303, 403},
    ("GET", "/"): {200},
    ("GET", "/workspaces"): {307},
    ("GET", "/api/v1/whoami"): {200},
    ("GET", "/api/v1/workspaces"): {200},
    ("POST", "/api/v1/workspaces"): {400},  # allowed (the creator becomes owner); {} is not a valid body
    ("POST", "/api/v1/users"): {403},
    ("GET", "/api/v1/users"): {403},
    ("POST", "/api/v1/users/{name}/disable"): {403},
    ("POST", "/api/v1/users/{name}/enable"): {403},
    ("POST", "/api/v1/tokens"): {201},  # a token for oneself
    ("GET", "/api/v1/tokens"): {200},
    ("POST", "/api/v1/tokens/{token_id}/revoke"): {404},
}

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclasses.dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the template, e.g. /api/v1/workspaces/{workspace}/runs/{run_id}
    params: tuple[str, ...]
    reads_only: bool  # a POST that searches (ReadScopeDep): the reader role suffices

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    @property
    def in_workspace(self) -> bool:
        return "workspace" in self.params

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/") or self.path in ("/openapi.json", "/metrics")

    @property
    def is_write(self) -> bool:
        return self.method not in READ_METHODS and not self.reads_only

    def url(self, values: dict[str, str]) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise AssertionError(f"{self.method} {self.path}: no plausible value for path parameter {name!r}; "
                                     "add one to the route-table test's values")
            return values[name]

        return _PARAM.sub(fill, self.path)


def _depends_on(route: Any, call: Any) -> bool:
    stack = list(getattr(getattr(route, "dependant", None), "dependencies", []))
    while stack:
        dep = stack.pop()
        if dep.call is call:
            return True
        stack.extend(dep.dependencies)
    return False


def endpoints(app: FastAPI) -> Iterator[Endpoint]:
    """Every method of every route with a path (static mounts excluded: they have no methods)."""
    for context in iter_route_contexts(app.routes):
        methods, path = context.methods, context.path
        if not methods or path is None:
            continue
        original = context.original_route
        reads_only = isinstance(original, APIRoute) and _depends_on(original, get_read_scope)
        params = tuple(m.group(1) for m in _PARAM.finditer(path))
        for method in sorted(set(methods) - {"HEAD"}):
            yield Endpoint(method, path, params, reads_only)


_RUN = "/api/v1/workspaces/{workspace}/runs/{run_id}"
# Valid bodies where a route checks its body before the service checks who asks.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", _RUN): {"json": {"description": "changed"}},
    ("POST", f"{_RUN}/heartbeat"): {"json": {"host": "h", "pid": 1}},
    ("PATCH", f"{_RUN}/tags"): {"json": {"set": {"k": "v"}}},
    ("POST", f"{_RUN}/properties"): {"json": {"properties": {"k": "v"}}},
    ("POST", f"{_RUN}/metrics"): {"json": {"series": [{"name": "m", "values": [1.0]}]}},
    ("POST", f"{_RUN}/metric-records"): {"json": {"name": "t", "kind": "table", "value": {"a": [1]}}},
    ("PUT", f"{_RUN}/files/{{path:path}}"): {"content": b"data"},
    ("POST", f"{_RUN}/logs/{{stream:path}}"): {"json": {"offset": 0, "text": "line"}},
    ("POST", "/api/v1/users"): {"json": {"name": "someone-new"}},
    ("GET", f"{_RUN}/metrics/history"): {"params": {"name": "m"}},
    ("GET", f"{_RUN}/metrics/histories"): {"params": {"name": "m"}},
}


def body_for(endpoint: Endpoint, valid: bool = False) -> dict[str, Any]:
    """Request arguments: with ``valid``, a valid body where one is known; else an empty JSON
    object for writes (valid JSON, so authorization decides; a form for Studio's POSTs)."""
    if valid and endpoint.key in VALID_BODIES:
        return VALID_BODIES[endpoint.key]
    if endpoint.method in READ_METHODS:
        return {}
    if not endpoint.is_api:
        return {"data": {"field": "x"}}
    return {"json": {}}
