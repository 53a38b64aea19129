"""Errors on Studio pages are pages too: the same codes as the API, shown as HTML."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from kuznia.errors import KuzniaError

log = logging.getLogger("kuznia.studio")

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Conflict", 503: "Unavailable"}


def error_page(request: Request, status: int, message: str) -> Response:
    from kuznia.studio.templating import render

    title = TITLES.get(status, "Something went wrong")
    return render(request, "error.html", status_code=status, title=title, status=status, message=message)


class StudioRoute(APIRoute):
    """An APIRoute whose errors render error.html instead of the API's JSON body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except KuzniaError as exc:
                if exc.status_code >= 500:
                    log.error("%s: %s", exc.code, exc.message)
                return error_page(request, exc.status_code, exc.message)
            except RequestValidationError as exc:
                lines = []
                for err in exc.errors()[:5]:
                    where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path"))
                    lines.append(f"{where}: {str(err.get('msg', 'is invalid')).removeprefix('Value error, ')}")
                return error_page(request, 400, "; ".join(lines) or "invalid request")
            except Exception:
                incident = uuid.uuid4().hex[:12]
                log.exception("unexpected error on a Studio page (incident %s)", incident)
                return error_page(
                    request, 500, f"internal error; the server log has the details (incident {incident})"
                )

        return handle
