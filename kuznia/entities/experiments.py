"""Experiments: named groups of runs, created on first use."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from kuznia.entities.common import Entity, ExperimentName, MaxResults, Page, Resource, Text


class ViewType(StrEnum):
    """Which experiments a list shows (Azure ML v1's ``view_type``)."""

    ACTIVE_ONLY = "ActiveOnly"
    ARCHIVED_ONLY = "ArchivedOnly"
    ALL = "All"


class ExperimentCreate(Entity):
    name: ExperimentName
    description: Text = ""


class ExperimentUpdate(Entity):
    description: Text | None = None
    archived: bool | None = None


class Experiment(Resource):
    id: str
    name: ExperimentName
    description: str = ""
    archived: bool = False
    archived_at: datetime | None = None
    created_at: datetime
    last_activity: datetime | None = None
    run_count: int = 0


class ExperimentQuery(Entity):
    view_type: ViewType = ViewType.ACTIVE_ONLY
    name: str | None = None
    max_results: MaxResults = 1000
    page_token: str | None = None


ExperimentList = Page[Experiment]
