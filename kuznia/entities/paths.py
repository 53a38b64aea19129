"""Checking paths that come from users, clients and archives.

A stored path is relative, uses '/' as separator, and has no empty, '.' or '..'
segment. Anything else is refused instead of being "fixed", so a hostile name
can never point outside the tree it belongs to.
"""

from __future__ import annotations

import re

from kuznia.errors import InvalidInput

MAX_PATH_LENGTH = 1024
MAX_SEGMENT_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_relative_path(path: object, what: str = "path") -> str:
    """Return ``path`` if it is a safe relative path, else raise InvalidInput.

    Refused: non-strings, empty paths, absolute paths, Windows drives,
    backslashes, NUL and control characters, '.' and '..' segments, empty
    segments ('a//b', trailing '/'), and names longer than the limits.
    """
    if not isinstance(path, str):
        raise InvalidInput(f"{what}: must be a string, got {type(path).__name__}")
    shown = repr(path[:120])
    if not path:
        raise InvalidInput(f"{what}: must not be empty")
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidInput(f"{what} {shown}…: longer than {MAX_PATH_LENGTH} characters")
    if _CONTROL.search(path):
        raise InvalidInput(f"{what} {shown}: must not contain NUL or control characters")
    if "\\" in path:
        raise InvalidInput(f"{what} {shown}: use '/' as separator, not '\\'")
    if path.startswith("/") or _DRIVE.match(path):
        raise InvalidInput(f"{what} {shown}: must be relative, not absolute")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidInput(
                f"{what} {shown}: must not contain empty, '.' or '..' parts"
            )
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise InvalidInput(f"{what} {shown}: a part is longer than {MAX_SEGMENT_LENGTH} characters")
    return path


def check_prefix(prefix: object, what: str = "prefix") -> str:
    """Like check_relative_path, but '' (everything) and a trailing '/' are allowed."""
    if prefix is None or prefix == "":
        return ""
    if not isinstance(prefix, str):
        raise InvalidInput(f"{what}: must be a string, got {type(prefix).__name__}")
    body = prefix[:-1] if prefix.endswith("/") else prefix
    check_relative_path(body, what)
    return prefix


def join_path(prefix: str, name: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{name}" if prefix else name
