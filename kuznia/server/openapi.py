"""What the OpenAPI document says about errors: the statuses the API really answers with.

FastAPI documents a 422 for every route with parameters, but Kuźnia answers bad input with
a 400 (errors.py maps one code to one status), and any route may answer 401, 403, 404, 409
or 413 with the same error body. Clients generated from the document, and schemathesis in
the security suite, rely on this being true.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "object"}},
    }},
}
ERRORS = {
    "400": "Invalid input: a field is missing, malformed or out of range (named in the message)",
    "401": "No valid API token",
    "403": "The token's user or run may not do this",
    "404": "No such resource, or not visible to this token",
    "409": "Conflict with the resource's current state",
    "413": "The request body is over the server's limit",
}
_METHODS = ("get", "put", "post", "patch", "delete")


def document_errors(schema: dict[str, Any]) -> None:
    """Replace FastAPI's 422 by the error responses of every /api/ operation, in place."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description,
                                              "content": {"application/json": {"schema": ref}}})
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
