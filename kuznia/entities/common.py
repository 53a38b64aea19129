"""Shared field types and helpers for the entity models."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from kuznia.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

MAX_KEY_LENGTH = 255
MAX_VALUE_LENGTH = 5000


class Entity(BaseModel):
    """Base of every entity: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="constants")

    def __init__(self, **data: Any) -> None:
        # Built from user input in the SDK: a bad field is InvalidInput, as on the server.
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InvalidInput(describe_validation_error(exc)) from None


class Resource(Entity):
    """Base of what the API returns: unknown fields are ignored, so an older client
    keeps working against a newer server."""

    model_config = ConfigDict(extra="ignore", ser_json_inf_nan="constants")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _slug(kind: str, max_length: int):
    def check(value: str) -> str:
        if not value or len(value) > max_length or not _SLUG.match(value):
            raise ValueError(
                f"{kind} must be 1-{max_length} characters, start with a letter or digit, "
                "and use only letters, digits, '_' and '-'"
            )
        return value

    return check


def _run_id(value: str) -> str:
    if not value or len(value) > 300 or not _RUN_ID.match(value):
        raise ValueError(
            "a run id must be 1-300 characters, start with a letter or digit, "
            "and use only letters, digits, '_', '.' and '-'"
        )
    return value


def _key(value: str) -> str:
    if not value or len(value) > MAX_KEY_LENGTH:
        raise ValueError(f"must be 1-{MAX_KEY_LENGTH} characters")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    return value


def _text(value: str) -> str:
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"must be at most {MAX_VALUE_LENGTH} characters")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


WorkspaceName = Annotated[str, AfterValidator(_slug("a workspace name", 63))]
ExperimentName = Annotated[str, AfterValidator(_slug("an experiment name", 255))]
RunId = Annotated[str, AfterValidator(_run_id)]
Key = Annotated[str, AfterValidator(_key)]
Text = Annotated[str, AfterValidator(_text)]
MaxResults = Annotated[int, Field(ge=1, le=10_000)]


def check_key(kind: str, value: Any) -> str:
    """Validate a tag, property or metric name outside a model (hot paths)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{kind}: must be a string, got {type(value).__name__}")
    try:
        return _key(value)
    except ValueError as exc:
        raise InvalidInput(f"{kind} {value[:80]!r}: {exc}") from None


def check_name(kind: str, value: Any, max_length: int = 255) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{kind}: must be a string, got {type(value).__name__}")
    try:
        return _slug(kind, max_length)(value)
    except ValueError as exc:
        raise InvalidInput(f"{value[:80]!r} is not a valid name: {exc}") from None


def check_run_id(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"run id: must be a string, got {type(value).__name__}")
    try:
        return _run_id(value)
    except ValueError as exc:
        raise InvalidInput(f"{value[:80]!r} is not a valid run id: {exc}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """One readable line per problem, each naming the field."""
    lines = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",)) or "body"
        msg = str(err.get("msg", "is invalid"))
        msg = msg.removeprefix("Value error, ")
        lines.append(f"{where}: {msg}")
    return "; ".join(lines)


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model``, raising InvalidInput that names each bad field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe_validation_error(exc)) from None


T = TypeVar("T")


class Page(Resource, Generic[T]):
    """One page of a list; pass ``next_page_token`` back to get the next one."""

    items: list[T]
    next_page_token: str | None = None
