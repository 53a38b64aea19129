"""Scoring requests, answered before the API's middleware and routing.

``POST /api/v1/workspaces/{ws}/endpoints/{name}/score`` is the one route whose speed is
the product (an endpoint's throughput); it needs none of the API's machinery: the gateway
checks the endpoint's key itself, and only when the key does not match is the bearer
looked up as a member's API token. Answering it here, inside the body limit but before
the session/auth layer and FastAPI's router, took about half the gateway's cost off each
request. The route stays declared in the API (server/api/endpoints.py) for OpenAPI and
for apps built without this layer.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from kuznia.errors import KuzniaError
from kuznia.services import users
from kuznia.services.access import Action
from kuznia.services.stores import Stores
from kuznia.services.workspaces import open_scope

SCORE_PATH = re.compile(r"^/api/v1/workspaces/([^/]+)/endpoints/([^/]+)/score$")


def member_may_score(stores: Stores, workspace: str, authorization: str | None) -> bool:
    """Whether the bearer is an API token of someone who may read the workspace's deployments."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return False
    principal = users.authenticate(stores, authorization[7:].strip())
    if principal is None:
        return False
    try:
        open_scope(stores, workspace, principal).require(Action.READ, "deployments")
    except KuzniaError:
        return False
    return True


class ScoringFastPath:
    def __init__(self, app: ASGIApp, stores: Stores) -> None:
        self.app = app
        self.stores = stores

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = SCORE_PATH.match(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        workspace, name = unquote(found.group(1)), unquote(found.group(2))
        authorization = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None)
        chunks = []
        while True:  # the body limit around this layer refuses what is too large
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break

        async def token_may_score() -> bool:
            return await run_in_threadpool(member_may_score, self.stores, workspace, authorization)

        status, body = await scope["app"].state.gateway.score(workspace, name, b"".join(chunks), authorization,
                                                              token_may_score)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff")]})
        await send({"type": "http.response.body", "body": body})
