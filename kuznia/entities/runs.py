"""Runs: one execution of a script or one interactive logging session."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, computed_field, field_validator

from kuznia.entities.common import (
    Entity,
    ExperimentName,
    Key,
    MaxResults,
    Page,
    Resource,
    RunId,
    Text,
)


class RunStatus(StrEnum):
    """The statuses of Azure ML v1 runs."""

    NOT_STARTED = "NotStarted"
    QUEUED = "Queued"
    PREPARING = "Preparing"
    STARTING = "Starting"
    RUNNING = "Running"
    FINALIZING = "Finalizing"
    CANCEL_REQUESTED = "CancelRequested"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"
    NOT_RESPONDING = "NotResponding"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED})

_S = RunStatus
_ENDINGS = {_S.COMPLETED, _S.FAILED, _S.CANCELED}
# Where a run may go from each status. A run may always end (fail or be
# canceled) from a live status; nothing leaves a terminal status.
ALLOWED_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    _S.NOT_STARTED: frozenset({_S.QUEUED, _S.PREPARING, _S.STARTING, _S.RUNNING, _S.CANCEL_REQUESTED} | _ENDINGS),
    _S.QUEUED: frozenset({_S.PREPARING, _S.STARTING, _S.RUNNING, _S.CANCEL_REQUESTED} | _ENDINGS),
    _S.PREPARING: frozenset({_S.STARTING, _S.RUNNING, _S.CANCEL_REQUESTED, _S.NOT_RESPONDING} | _ENDINGS),
    _S.STARTING: frozenset({_S.RUNNING, _S.CANCEL_REQUESTED, _S.NOT_RESPONDING} | _ENDINGS),
    _S.RUNNING: frozenset({_S.FINALIZING, _S.CANCEL_REQUESTED, _S.NOT_RESPONDING} | _ENDINGS),
    _S.FINALIZING: frozenset({_S.CANCEL_REQUESTED, _S.NOT_RESPONDING} | _ENDINGS),
    _S.CANCEL_REQUESTED: frozenset({_S.FINALIZING} | _ENDINGS),
    _S.NOT_RESPONDING: frozenset({_S.PREPARING, _S.STARTING, _S.RUNNING, _S.FINALIZING, _S.CANCEL_REQUESTED} | _ENDINGS),
    _S.COMPLETED: frozenset(),
    _S.FAILED: frozenset(),
    _S.CANCELED: frozenset(),
}

# Statuses that mean "the run has begun executing" (start_time is set on entry).
STARTED_STATUSES = frozenset({_S.RUNNING, _S.FINALIZING})


def can_transition(current: RunStatus, new: RunStatus) -> bool:
    return new in ALLOWED_TRANSITIONS[current]


class ErrorDetails(Entity):
    """Why a run failed: a message, an optional code, exit code and traceback."""

    message: Text
    code: str | None = Field(default=None, max_length=255)
    exit_code: int | None = None
    traceback: str | None = Field(default=None, max_length=200_000)


class RunCreate(Entity):
    experiment_name: ExperimentName
    run_id: RunId | None = None
    display_name: Text | None = None
    description: Text = ""
    run_type: Key = "interactive"
    status: RunStatus = RunStatus.RUNNING
    parent_run_id: RunId | None = None
    tags: dict[Key, Text] = Field(default_factory=dict)
    properties: dict[Key, Text] = Field(default_factory=dict)

    @field_validator("status")
    @classmethod
    def _initial_status(cls, value: RunStatus) -> RunStatus:
        if value not in (RunStatus.NOT_STARTED, RunStatus.QUEUED, RunStatus.RUNNING):
            raise ValueError("a new run starts as NotStarted, Queued or Running")
        return value

    @field_validator("tags", "properties")
    @classmethod
    def _few_enough(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 1000:
            raise ValueError("at most 1000 entries per request")
        return value


class RunUpdate(Entity):
    """Changes to a run; only the fields that are set are applied."""

    display_name: Text | None = None
    description: Text | None = None
    status: RunStatus | None = None
    error: ErrorDetails | None = None


class TagsUpdate(Entity):
    set: dict[Key, Text] = Field(default_factory=dict)
    remove: list[Key] = Field(default_factory=list)


class PropertiesUpdate(Entity):
    properties: dict[Key, Text]


class Run(Resource):
    id: RunId
    experiment_name: str
    experiment_id: str
    number: int
    display_name: str
    description: str = ""
    run_type: str
    status: RunStatus
    parent_run_id: str | None = None
    created_at: datetime
    start_time: datetime | None = None
    end_time: datetime | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)
    error: ErrorDetails | None = None
    metrics: dict[str, float | None] = Field(
        default_factory=dict, description="latest value of each scalar metric"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def duration_seconds(self) -> float | None:
        if self.start_time is None:
            return None
        if self.end_time is None:
            return None
        return max(0.0, (self.end_time - self.start_time).total_seconds())


class RunQuery(Entity):
    """What ``Run.list`` / ``GET …/runs`` take. ``filter`` uses the filter language."""

    experiment_name: ExperimentName | None = None
    filter: str | None = Field(default=None, max_length=10_000)
    order_by: list[str] = Field(default_factory=list, max_length=10)
    statuses: list[RunStatus] = Field(default_factory=list)
    tags: dict[Key, Text | None] = Field(default_factory=dict)
    properties: dict[Key, Text | None] = Field(default_factory=dict)
    run_type: Key | None = None
    parent_run_id: RunId | None = None
    include_children: bool = False
    max_results: MaxResults = 100
    page_token: str | None = Field(default=None, max_length=1000)


RunList = Page[Run]
