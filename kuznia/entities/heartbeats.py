"""What a run's bootstrap reports while it works."""

from __future__ import annotations

from pydantic import Field

from kuznia.entities.common import Entity, Resource
from kuznia.entities.runs import RunStatus


class Heartbeat(Entity):
    host: str = Field(max_length=255)
    pid: int = Field(ge=1, le=2**31 - 1)  # a process id; stored as a 32-bit integer
    script_pid: int | None = Field(default=None, ge=1, le=2**31 - 1)
    started_at: float | None = Field(default=None, description="when the bootstrap process started")


class HeartbeatReply(Resource):
    status: RunStatus
