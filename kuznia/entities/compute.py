"""Compute targets: where submitted runs execute."""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from kuznia.entities.common import Entity, Resource, WorkspaceName


class ComputeKind(StrEnum):
    LOCAL = "local"


def _cores() -> int:
    return os.cpu_count() or 1


class ComputeSettings(Entity):
    """How a target runs work. A silent run becomes NotResponding after
    ``not_responding_after_seconds``, and Failed after ``failed_after_seconds`` more."""

    max_concurrent_runs: int = Field(default_factory=_cores, ge=1, le=1024)
    heartbeat_interval_seconds: float = Field(default=5.0, ge=0.1, le=600)
    not_responding_after_seconds: float = Field(default=60.0, ge=0.5, le=86_400)
    failed_after_seconds: float = Field(default=300.0, ge=0.5, le=7 * 86_400)
    #: a run still Preparing may be silent this long (its bootstrap is starting, fetching the snapshot)
    startup_timeout_seconds: float = Field(default=300.0, ge=0.5, le=7 * 86_400)
    system_metrics_interval_seconds: float = Field(default=5.0, ge=0.1, le=3600)
    cancel_grace_seconds: float = Field(default=10.0, ge=0.0, le=600)


class ComputeTargetCreate(Entity):
    name: WorkspaceName
    kind: ComputeKind = ComputeKind.LOCAL
    settings: ComputeSettings = Field(default_factory=ComputeSettings)


class ComputeTargetUpdate(Entity):
    settings: ComputeSettings


class ComputeTarget(Resource):
    name: str
    kind: ComputeKind
    settings: ComputeSettings
    created_at: datetime
    active_runs: int = 0
    queued_runs: int = 0
