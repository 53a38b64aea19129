"""The gateway's hop to replicas: kept-alive connections, stale ones, failures, timeouts.

Each test runs a small HTTP server on 127.0.0.1 in the same event loop, so what the
replica side saw (connections, requests) can be counted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable

import pytest

from kuznia.serving.forward import ReplicaPool, ReplicaUnavailable


def run_in_own_loop(scenario: Callable[[], Awaitable[None]]) -> None:
    """asyncio.run in a thread of its own: other tests (Playwright) leave a loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
CHUNKED = (b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\n{\"err\r\n6\r\nor\":1}\r\n0\r\n\r\n")


class Replica:
    """Counts connections and requests; ``answer`` decides what each request gets."""

    def __init__(self, answer: Callable[[Replica, asyncio.StreamWriter], Awaitable[None]]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                self.requests.append(await reader.readexactly(length))
                await self.answer(self, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def answer_ok(_: Replica, writer: asyncio.StreamWriter) -> None:
    writer.write(OK)


async def answer_then_close(_: Replica, writer: asyncio.StreamWriter) -> None:
    """Answers as if it kept the connection, then drops it (a keep-alive timeout)."""
    writer.write(OK)
    await writer.drain()
    writer.close()


def test_requests_share_one_kept_connection_and_bodies_arrive_whole() -> None:
    async def scenario() -> None:
        replica = Replica(answer_ok)
        async with replica as port:
            pool = ReplicaPool()
            for body in (b'{"data": [1]}', b'{"data": [2]}', b"x" * 200_000):
                assert await pool.request(port, "POST", "/score", body) == (200, b'{"ok":true}')
            pool.close()
        assert replica.connections == 1
        assert replica.requests == [b'{"data": [1]}', b'{"data": [2]}', b"x" * 200_000]

    run_in_own_loop(scenario)


def test_a_kept_connection_the_replica_closed_is_replaced_and_the_request_sent_once() -> None:
    async def scenario() -> None:
        replica = Replica(answer_then_close)
        async with replica as port:
            pool = ReplicaPool()
            assert (await pool.request(port, "POST", "/score", b"1"))[0] == 200
            await asyncio.sleep(0.05)  # the replica has closed the kept connection by now
            assert (await pool.request(port, "POST", "/score", b"2"))[0] == 200
            pool.close()
        assert replica.requests == [b"1", b"2"]
        assert replica.connections == 2

    run_in_own_loop(scenario)


def test_a_chunked_error_answer_is_passed_on_with_its_status() -> None:
    async def answer_chunked(_: Replica, writer: asyncio.StreamWriter) -> None:
        writer.write(CHUNKED)

    async def scenario() -> None:
        async with Replica(answer_chunked) as port:
            pool = ReplicaPool()
            assert await pool.request(port, "POST", "/score", b"{}") == (500, b'{"error":1}')
            pool.close()

    run_in_own_loop(scenario)


def test_a_replica_that_does_not_answer_in_time_fails_the_request_without_a_retry() -> None:
    async def never(_: Replica, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async def scenario() -> None:
        replica = Replica(never)
        async with replica as port:
            pool = ReplicaPool(timeout_seconds=0.2)
            with pytest.raises(ReplicaUnavailable, match="did not answer within"):
                await pool.request(port, "POST", "/score", b"slow")
            pool.close()
        assert replica.requests == [b"slow"]

    run_in_own_loop(scenario)


def test_a_replica_that_dies_midway_or_is_gone_is_unavailable() -> None:
    async def half(_: Replica, writer: asyncio.StreamWriter) -> None:
        writer.write(OK[:30])
        await writer.drain()
        writer.close()

    async def scenario() -> None:
        replica = Replica(half)
        async with replica as port:
            pool = ReplicaPool()
            with pytest.raises(ReplicaUnavailable, match="closed the connection"):
                await pool.request(port, "POST", "/score", b"1")
        assert replica.requests == [b"1"]  # bytes of an answer came: never sent twice
        with pytest.raises(ReplicaUnavailable, match="cannot connect"):
            await pool.request(port, "POST", "/score", b"2")

    run_in_own_loop(scenario)
