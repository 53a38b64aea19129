"""JSON responses serialized by pydantic (NaN and ±Infinity survive as JSON constants)."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel, TypeAdapter

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def json_response(value: BaseModel | list[Any], status_code: int = 200, item_type: Any = None) -> Response:
    if isinstance(value, BaseModel):
        body = value.model_dump_json()
    else:
        adapter = _ADAPTERS.setdefault(item_type, TypeAdapter(list[item_type]))  # type: ignore[valid-type]
        body = adapter.dump_json(value).decode()
    return Response(content=body, media_type="application/json", status_code=status_code)


#: OpenAPI of routes that stream a file's bytes (not JSON)
BYTES: dict[int | str, dict[str, Any]] = {200: {"description": "The file's bytes", "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}
#: OpenAPI of routes that answer plain text
TEXT: dict[int | str, dict[str, Any]] = {200: {"description": "Text", "content": {
    "text/plain": {"schema": {"type": "string"}}}}}
