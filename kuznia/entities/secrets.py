"""The key vault's shapes. Values are ``SecretStr``: a repr or a log line shows stars."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr, field_serializer

from kuznia.entities.common import Entity, Resource

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,126}$")
MAX_SECRET_CHARS = 64 * 1024


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            "a secret name must be 1-127 characters, start with a letter or digit, "
            "and use only letters, digits, '.', '_' and '-'"
        )
    return value


SecretName = Annotated[str, AfterValidator(_name)]


def _value(value: SecretStr) -> SecretStr:
    text = value.get_secret_value()
    if len(text) > MAX_SECRET_CHARS:
        raise ValueError(f"a secret value may hold at most {MAX_SECRET_CHARS} characters")
    if "\x00" in text:
        raise ValueError("a secret value must not contain NUL characters")
    return value


SecretValueField = Annotated[SecretStr, AfterValidator(_value)]


class _Reveals:
    """Serialised for the wire with the real value; repr and str stay masked."""

    @field_serializer("value", when_used="json", check_fields=False)
    def _reveal(self, value: SecretStr) -> str:
        return value.get_secret_value()


class SecretSet(_Reveals, Entity):
    value: SecretValueField


class SecretsSet(Entity):
    secrets: dict[SecretName, SecretValueField] = Field(max_length=1000)

    @field_serializer("secrets", when_used="json")
    def _reveal_all(self, values: dict[str, SecretStr]) -> dict[str, str]:
        return {k: v.get_secret_value() for k, v in values.items()}


class SecretInfo(Resource):
    """What a listing shows: never the value."""

    name: str
    created_at: datetime
    updated_at: datetime


class SecretValue(_Reveals, Resource):
    name: str
    value: SecretStr


class SecretNames(Entity):
    names: list[SecretName] = Field(max_length=1000)
