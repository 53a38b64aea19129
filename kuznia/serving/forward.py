"""Forwarding requests to replicas: a pool of kept-alive HTTP/1.1 connections per port.

The gateway's own cost per request is what limits an endpoint's throughput on a small
machine, and a general HTTP client spent most of it (aiohttp took ~120 µs of Python per
forwarded request, cookie jars, tracing hooks and all). A replica is our own process on
127.0.0.1 that speaks one dialect of HTTP/1.1, so the hop needs little: write the request,
feed the answer to httptools (the parser uvicorn uses), keep the connection for the next.

A connection idle for longer than ``IDLE_SECONDS`` is dropped before the replica's own
keep-alive timeout closes it under us. A request that fails before any byte of an answer
came back on a reused connection is tried once more on a fresh one (the replica may have
closed it in between); any other failure is ``ReplicaUnavailable`` for the gateway to try
another replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import defaultdict

import httptools

IDLE_SECONDS = 20.0  # replicas keep idle connections for 30 s
CONNECT_TIMEOUT_SECONDS = 2.0
MAX_IDLE_PER_PORT = 64


class ReplicaUnavailable(ConnectionError):
    """The replica refused, dropped or did not finish answering the request."""


class _ClosedUnanswered(ReplicaUnavailable):
    """The connection closed before any byte of an answer came back."""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.got_bytes = False  # of the current answer
        self.keep_alive = True
        self.closed = False
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:  # a request is one write: no reason to let Nagle hold it
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ReplicaUnavailable(f"the replica's answer is not valid HTTP ({exc})"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        kind = ReplicaUnavailable if self.got_bytes else _ClosedUnanswered
        self._fail(kind("the replica closed the connection"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        if self.answer is not None and not self.answer.done():
            self.answer.set_result((self.parser.get_status_code(), b"".join(self.body)))

    def _fail(self, exc: Exception) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.body = []
        self.got_bytes = False
        self.transport.write(request)
        return self.answer

    def time_out(self, seconds: float) -> None:
        self._fail(ReplicaUnavailable(f"the replica did not answer within {seconds:.0f} s"))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            with contextlib.suppress(RuntimeError):  # its event loop has ended, and the socket with it
                self.transport.close()


class ReplicaPool:
    """Kept-alive connections to replicas on 127.0.0.1, by port."""

    def __init__(self, timeout_seconds: float = 300.0) -> None:
        self.timeout_seconds = timeout_seconds
        self._idle: dict[int, list[_Connection]] = defaultdict(list)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def request(self, port: int, method: str, path: str, body: bytes = b"",
                      content_type: str = "application/json") -> tuple[int, bytes]:
        """(status, body) of the replica's answer. Raises ReplicaUnavailable."""
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        request = head + body
        connection, reused = await self._connection(port)
        try:
            return await self._exchange(connection, request, port)
        except _ClosedUnanswered:
            if not reused:
                raise
        connection, _ = await self._connection(port, fresh=True)  # the kept one went stale
        return await self._exchange(connection, request, port)

    async def _exchange(self, connection: _Connection, request: bytes, port: int) -> tuple[int, bytes]:
        answer = connection.send(request)
        # a timer handle, not asyncio.wait_for: that wraps every request in another task
        timer = asyncio.get_running_loop().call_later(self.timeout_seconds, connection.time_out, self.timeout_seconds)
        try:
            result = await answer
        except BaseException:
            connection.close()  # failed, timed out or cancelled midway: its state is unknown
            raise
        finally:
            timer.cancel()
        if connection.keep_alive and not connection.closed and len(self._idle[port]) < MAX_IDLE_PER_PORT:
            connection.idle_since = time.monotonic()
            self._idle[port].append(connection)
        else:
            connection.close()
        return result

    async def _connection(self, port: int, fresh: bool = False) -> tuple[_Connection, bool]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # connections belong to the event loop that made them
            self.close()
            self._loop = loop
        idle = self._idle[port]
        now = time.monotonic()
        while idle and not fresh:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < IDLE_SECONDS:
                return connection, True
            connection.close()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(_Connection, "127.0.0.1", port), CONNECT_TIMEOUT_SECONDS)
        except (OSError, TimeoutError) as exc:
            raise ReplicaUnavailable(f"cannot connect to the replica on port {port} ({exc})") from None
        return connection, False

    def forget(self, port: int) -> None:
        """Drop the kept connections to a replica that has gone."""
        for connection in self._idle.pop(port, []):
            connection.close()

    def close(self) -> None:
        for port in list(self._idle):
            self.forget(port)
