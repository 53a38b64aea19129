"""Opaque page tokens. A token is the offset of the next page, encoded."""

from __future__ import annotations

import base64
import binascii
import json

from kuznia.errors import InvalidInput


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_page_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded.encode()))["o"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise InvalidInput("page_token: not a token this server gave out; start from the first page") from None
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput("page_token: not a token this server gave out; start from the first page")
    return offset


def next_token(offset: int, limit: int, fetched: int) -> str | None:
    """Token for the page after this one, when the query returned limit + 1 rows."""
    return encode_page_token(offset + limit) if fetched > limit else None
