"""The gateway: checks keys, picks a healthy replica, forwards the request, records telemetry.

It knows nothing of the database: ``resolve(workspace, endpoint)`` (given by the
server or a local endpoint host) says which replicas serve an endpoint and which
keys open it. Routes are cached for half a second. A replica that refuses a
connection (killed, being replaced) is skipped and the request tried on another,
so a dying replica or a rolling update fails no request.

Requests go to replicas over kept-alive connections of a ``ReplicaPool`` (forward.py):
the gateway's own cost is what limits an endpoint's throughput (the replicas scale out).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter, Histogram

from kuznia.serving.forward import ReplicaPool, ReplicaUnavailable

ROUTE_TTL_SECONDS = 0.5
LATENCY_BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)

REQUESTS = Counter("kuznia_endpoint_requests", "Scoring requests", ["workspace", "endpoint", "status"])
LATENCY = Histogram("kuznia_endpoint_latency_seconds", "Scoring latency through the gateway",
                    ["workspace", "endpoint"], buckets=tuple(b / 1000 for b in LATENCY_BUCKETS_MS))


@dataclass
class Route:
    exists: bool
    auth_enabled: bool = True
    keys: tuple[str, ...] = ()
    replicas: tuple[tuple[str, int], ...] = ()  # (replica id, port) of healthy replicas
    state: str = ""


@dataclass
class EndpointStats:
    requests: int = 0
    status_codes: dict[str, int] = field(default_factory=dict)
    buckets: dict[str, int] = field(default_factory=dict)
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))
    in_flight: int = 0
    unsent: dict[str, int] = field(default_factory=dict)  # counts not yet written to the workspace
    counters: dict[int, Any] = field(default_factory=dict)  # Prometheus children by status
    latency: Any = None

    def record(self, status: int, elapsed_ms: float) -> None:
        code = str(status)
        self.requests += 1
        self.status_codes[code] = self.status_codes.get(code, 0) + 1
        bucket = next((f"le_{b}" for b in LATENCY_BUCKETS_MS if elapsed_ms <= b), "le_inf")
        self.buckets[bucket] = self.buckets.get(bucket, 0) + 1
        self.recent_ms.append(elapsed_ms)
        for key in ("requests", f"status_{code}", f"bucket_{bucket}"):
            self.unsent[key] = self.unsent.get(key, 0) + 1

    def take_unsent(self) -> dict[str, int]:
        unsent, self.unsent = self.unsent, {}
        return unsent


class Gateway:
    def __init__(self, resolve: Callable[[str, str], Route]) -> None:
        self.resolve = resolve
        self.replicas = ReplicaPool()
        self._routes: dict[tuple[str, str], tuple[float, Route]] = {}
        self._in_flight: dict[str, int] = {}  # per replica
        self.stats: dict[tuple[str, str], EndpointStats] = {}

    async def route(self, workspace: str, endpoint: str) -> Route:
        key = (workspace, endpoint)
        cached = self._routes.get(key)
        now = time.monotonic()
        if cached is None or now - cached[0] > ROUTE_TTL_SECONDS:
            route = await asyncio.to_thread(self.resolve, workspace, endpoint)
            self._routes[key] = (now, route)
            return route
        return cached[1]

    def forget(self, workspace: str, endpoint: str) -> None:
        self._routes.pop((workspace, endpoint), None)

    @staticmethod
    def authorized(route: Route, authorization: str | None) -> bool:
        if not route.auth_enabled:
            return True
        if not authorization or not authorization.lower().startswith("bearer "):
            return False
        # bytes: compare_digest refuses non-ASCII str with a TypeError (a 500 for any client)
        offered = authorization[7:].strip().encode("utf-8", "surrogateescape")
        return any(hmac.compare_digest(offered, key.encode()) for key in route.keys if key)

    async def score(self, workspace: str, endpoint: str, body: bytes, authorization: str | None,
                    also_allowed: Callable[[], Awaitable[bool]] | None = None) -> tuple[int, bytes]:
        """Forward to a healthy replica. ``also_allowed`` is asked only when the key does not
        open the endpoint (e.g. a workspace member's API token)."""
        started = time.perf_counter()
        route = await self.route(workspace, endpoint)
        stats = self.stats.setdefault((workspace, endpoint), EndpointStats())
        status, payload = await self._score(route, workspace, endpoint, body, authorization, also_allowed, stats)
        elapsed = time.perf_counter() - started
        stats.record(status, elapsed * 1000)
        counter = stats.counters.get(status)
        if counter is None:  # labels() is a locked dict lookup: once per endpoint and status
            counter = stats.counters[status] = REQUESTS.labels(workspace, endpoint, str(status))
        counter.inc()
        if stats.latency is None:
            stats.latency = LATENCY.labels(workspace, endpoint)
        stats.latency.observe(elapsed)
        return status, payload

    async def _score(self, route: Route, workspace: str, endpoint: str, body: bytes, authorization: str | None,
                     also_allowed: Callable[[], Awaitable[bool]] | None, stats: EndpointStats) -> tuple[int, bytes]:
        if not route.exists:
            return 404, _error("NotFound", f"no endpoint {endpoint!r} in workspace {workspace!r}")
        if not self.authorized(route, authorization) and not (also_allowed and await also_allowed()):
            return 401, _error("Unauthorized", "send the endpoint's key as 'Authorization: Bearer <key>'")
        candidates = sorted(route.replicas, key=lambda r: self._in_flight.get(r[0], 0))
        if not candidates:
            return 503, _error("ServiceUnavailable", f"endpoint {endpoint!r} has no healthy replica ({route.state}); "
                               "see `kuznia endpoint logs`")
        stats.in_flight += 1
        try:
            for replica_id, port in candidates:
                self._in_flight[replica_id] = self._in_flight.get(replica_id, 0) + 1
                try:
                    return await self.replicas.request(port, "POST", "/score", body)
                except ReplicaUnavailable:
                    self.replicas.forget(port)
                    self.forget(workspace, endpoint)  # that replica is gone: look again soon
                    continue
                finally:
                    self._in_flight[replica_id] -= 1
            return 503, _error("ServiceUnavailable", f"no replica of endpoint {endpoint!r} answered; try again")
        finally:
            stats.in_flight -= 1

    async def swagger(self, workspace: str, endpoint: str) -> tuple[int, bytes]:
        route = await self.route(workspace, endpoint)
        if not route.exists:
            return 404, _error("NotFound", f"no endpoint {endpoint!r} in workspace {workspace!r}")
        for _, port in route.replicas:
            try:
                return await self.replicas.request(port, "GET", "/swagger.json")
            except ReplicaUnavailable:
                continue
        return 503, _error("ServiceUnavailable", f"endpoint {endpoint!r} has no healthy replica")

    def in_flight(self, workspace: str, endpoint: str) -> int:
        stats = self.stats.get((workspace, endpoint))
        return stats.in_flight if stats else 0

    def close(self) -> None:
        self.replicas.close()


def _error(code: str, message: str) -> bytes:
    import json

    return json.dumps({"error": {"code": code, "message": message}}).encode()
