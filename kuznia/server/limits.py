"""Request body limits, enforced while the body streams in (Content-Length can lie)."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimitMiddleware:
    """413 for bodies over ``max_body`` bytes; file and blob uploads get ``max_file``."""

    def __init__(self, app: ASGIApp, max_body: int, max_file: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_file = max_file

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        is_upload = (scope["method"] == "PUT" and ("/files/" in path or "/blobs/" in path)) or (
            scope["method"] == "POST" and path.endswith("/blobs")
        )
        limit = self.max_file if is_upload else self.max_body
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _too_large(send, limit)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _too_large(send, limit)


class _BodyTooLarge(HTTPException):
    """An HTTPException so that routers and FastAPI's body parser pass it on as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is over the limit of {limit} bytes")


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": {"code": "PayloadTooLarge", "message": f"request body is over the limit of {limit} bytes"}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
