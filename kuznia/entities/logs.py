"""Live logs of a run: append-only text streams such as ``user_logs/std_log.txt``."""

from __future__ import annotations

from pydantic import Field

from kuznia.entities.common import Entity, Resource

MAX_LOG_APPEND_CHARS = 1_000_000
USER_LOG = "user_logs/std_log.txt"
BOOTSTRAP_LOG = "kuznia/bootstrap.log"
ENVIRONMENT_LOG = "environment/build.log"


class LogAppend(Entity):
    """Text to append at ``offset`` (characters already in the stream). A retry of an
    append that already landed is recognised by its offset and ignored."""

    offset: int = Field(ge=0, le=2**63 - 1)  # stored as a 64-bit integer
    text: str = Field(max_length=MAX_LOG_APPEND_CHARS)


class LogChunk(Resource):
    stream: str
    offset: int
    text: str
    next_offset: int
    complete: bool = Field(description="the run has ended; no more text will come")
