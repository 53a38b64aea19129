"""Metrics: scalar series (the hot path) and structured records (tables, rows, images).

Scalar values are float64; NaN and ±Infinity are accepted and stored as they
are (a diverging loss is worth seeing). In JSON they travel as the literals
``NaN``, ``Infinity`` and ``-Infinity``. In run filters a NaN never matches.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from kuznia.entities.common import Entity, Key, Resource

MAX_BATCH_POINTS = 1_000_000
MAX_RECORD_BYTES = 1_000_000
MAX_HISTORY_POINTS = 100_000
MAX_HISTORY_NAMES = 50  # metrics in one histories request (a page of charts)
# Steps are stored as 64-bit integers; a bigger one must be a 400, not an overflow (a 500).
Step = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class MetricKind(StrEnum):
    SCALAR = "scalar"
    TABLE = "table"
    ROW = "row"
    IMAGE = "image"


class MetricSeries(Entity):
    """Points of one metric. ``steps`` entries that are null get the next free step."""

    name: Key
    values: list[float]
    steps: list[Step | None] | None = None
    timestamps: list[float] | None = None

    @model_validator(mode="after")
    def _lengths_match(self) -> MetricSeries:
        n = len(self.values)
        if self.steps is not None and len(self.steps) != n:
            raise ValueError(f"metric {self.name!r}: {len(self.steps)} steps for {n} values")
        if self.timestamps is not None and len(self.timestamps) != n:
            raise ValueError(f"metric {self.name!r}: {len(self.timestamps)} timestamps for {n} values")
        return self


class MetricBatch(Entity):
    series: list[MetricSeries] = Field(max_length=10_000)

    @model_validator(mode="after")
    def _bounded(self) -> MetricBatch:
        total = sum(len(s.values) for s in self.series)
        if total > MAX_BATCH_POINTS:
            raise ValueError(
                f"{total} points in one batch; send at most {MAX_BATCH_POINTS} per request"
            )
        return self

    @property
    def point_count(self) -> int:
        return sum(len(s.values) for s in self.series)


class MetricRecordCreate(Entity):
    """A table (``{"column": [values]}``), a row (``{"column": value}``) or an image reference."""

    name: Key
    kind: MetricKind
    value: dict[str, Any]
    description: str = Field(default="", max_length=5000)


class MetricRecord(Resource):
    name: str
    kind: MetricKind
    value: dict[str, Any]
    created_at: datetime


class MetricSummary(Resource):
    """What is known of one metric of a run without reading its points."""

    name: str
    kind: MetricKind
    count: int
    last_value: float | None = None
    last_step: int | None = None
    last_timestamp: float | None = None
    min_value: float | None = None
    max_value: float | None = None


class MetricHistoryQuery(Entity):
    name: Key
    start_step: Step | None = None
    end_step: Step | None = None
    max_points: int | None = Field(default=None, ge=2, le=MAX_HISTORY_POINTS)


class MetricHistoriesQuery(Entity):
    """Whole histories of several metrics at once: one request for a page of charts."""

    names: list[Key] = Field(min_length=1, max_length=MAX_HISTORY_NAMES)
    max_points: int | None = Field(default=None, ge=2, le=MAX_HISTORY_POINTS)


class MetricHistory(Resource):
    """Points of one scalar metric in step order, columnar.

    ``downsampled`` is true when the range held more points than ``max_points``;
    then each bucket of steps is represented by its minimum and its maximum.
    """

    name: str
    steps: list[int]
    values: list[float]
    timestamps: list[float]
    total_count: int
    downsampled: bool = False
