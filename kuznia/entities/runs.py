"""Runs: one execution of a script or one interactive logging session."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import (
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    computed_field,
    field_validator,
)

from kuznia.entities.common import (
    Entity,
    ExperimentName,
    Key,
    MaxResults,
    Page,
    Resource,
    RunId,
    Text,
    WorkspaceName,
)
from kuznia.entities.environments import EnvironmentSpec


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


Argument = StrictStr | StrictBool | StrictInt | StrictFloat
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RunDefinition(Entity):
    """What a submitted run executes: the script in its snapshot, with typed arguments."""

    script: str = Field(min_length=1, max_length=1024)
    arguments: list[Argument] = Field(default_factory=list, max_length=10_000)
    compute_target: WorkspaceName = "local"
    max_run_duration_seconds: float | None = Field(default=None, gt=0, le=365 * 86_400)
    environment_variables: dict[str, str] = Field(default_factory=dict)
    environment: EnvironmentSpec | None = Field(default=None, description="None: the server's interpreter")

    @field_validator("script")
    @classmethod
    def _relative(cls, value: str) -> str:
        from kuznia.entities.paths import check_relative_path

        try:
            return check_relative_path(value, "script")
        except Exception as exc:
            raise ValueError(str(exc)) from None

    @field_validator("environment_variables")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid environment variable name")
            if name.startswith("KUZNIA_"):
                raise ValueError(f"{name!r}: names starting with KUZNIA_ are set by Kuźnia")
            if "\x00" in text or len(text) > 100_000:
                raise ValueError(f"{name!r}: value has a NUL character or is too long")
        return value


class RunSubmit(Entity):
    """A script run to queue on a compute target."""

    experiment_name: ExperimentName
    snapshot_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    definition: RunDefinition
    display_name: Text | None = None
    description: Text = ""
    tags: dict[Key, Text] = Field(default_factory=dict)
    properties: dict[Key, Text] = Field(default_factory=dict)
    parent_run_id: RunId | None = None


class StatusChange(Resource):
    status: RunStatus
    at: datetime


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
    compute_target: str | None = None
    snapshot_id: str | None = None
    definition: RunDefinition | None = None
    timeline: list[StatusChange] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def timings(self) -> dict[str, float]:
        """Seconds spent in each status the run went through (the current one excluded)."""
        spent: dict[str, float] = {}
        for here, following in zip(self.timeline, self.timeline[1:], strict=False):
            key = here.status.value
            spent[key] = spent.get(key, 0.0) + max(0.0, (following.at - here.at).total_seconds())
        return spent

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
