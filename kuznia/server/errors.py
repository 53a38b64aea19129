"""The one place where errors become HTTP responses."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from kuznia.entities.common import describe_validation_error
from kuznia.errors import InvalidInput, KuzniaError

log = logging.getLogger("kuznia.server")

_HTTP_CODES = {
    400: "InvalidInput",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "InvalidInput",
}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """RFC 9110's Allow for a 405: every method routed on the path template the request
    matched (Starlette names only the first matching route's)."""
    routes = [r for r in iter_route_contexts(app.routes) if r.methods and r.path is not None]
    matching = [r.path for r in routes if r.path is not None and r.matches(request.scope)[0] != Match.NONE]
    # the most literal template wins: /secrets/values rather than /secrets/{name}
    template = min(matching, key=lambda path: path.count("{"), default=None)
    return sorted({m for r in routes if r.path == template for m in r.methods or ()})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KuzniaError)
    async def _kuznia(_: Request, exc: KuzniaError) -> JSONResponse:
        if exc.status_code >= 500:
            log.error("%s: %s", exc.code, exc.message)
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        lines = []
        for err in exc.errors()[:10]:
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
            msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
            lines.append(f"{'.'.join(loc) or 'body'}: {msg}")
        return error_response(400, InvalidInput.code, "; ".join(lines) or "invalid request")

    @app.exception_handler(ValidationError)
    async def _validation(_: Request, exc: ValidationError) -> JSONResponse:
        return error_response(400, InvalidInput.code, describe_validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "InternalError" if exc.status_code >= 500 else "InvalidInput")
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such route; see /docs for the API"
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(app, request))  # every route of the path, not the first
        return error_response(exc.status_code, code, message, headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        incident = uuid.uuid4().hex[:12]
        log.exception("unexpected error (incident %s)", incident)
        return error_response(
            500, "InternalError", f"internal error; the server log has the details (incident {incident})"
        )
