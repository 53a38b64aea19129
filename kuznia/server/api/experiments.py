from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kuznia.entities.common import parse
from kuznia.entities.experiments import (
    Experiment,
    ExperimentCreate,
    ExperimentList,
    ExperimentQuery,
    ExperimentUpdate,
    ViewType,
)
from kuznia.server.deps import ScopeDep
from kuznia.server.responses import json_response
from kuznia.services import experiments

router = APIRouter(prefix="/workspaces/{workspace}/experiments", tags=["experiments"])


@router.post("", response_model=Experiment)
def ensure_experiment(data: ExperimentCreate, scope: ScopeDep) -> Response:
    """Get an experiment, creating it when it does not exist."""
    return json_response(experiments.ensure_experiment(scope, data))


@router.get("", response_model=ExperimentList)
def list_experiments(
    scope: ScopeDep,
    view_type: ViewType = ViewType.ACTIVE_ONLY,
    name: Annotated[str | None, Query(max_length=255)] = None,
    max_results: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    page_token: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """List experiments (active ones by default)."""
    query = parse(
        ExperimentQuery,
        {"view_type": view_type, "name": name, "max_results": max_results, "page_token": page_token},
    )
    return json_response(experiments.list_experiments(scope, query))


@router.get("/{name}", response_model=Experiment)
def get_experiment(name: str, scope: ScopeDep) -> Response:
    """Get one experiment."""
    return json_response(experiments.get_experiment(scope, name))


@router.patch("/{name}", response_model=Experiment)
def update_experiment(name: str, data: ExperimentUpdate, scope: ScopeDep) -> Response:
    """Change the description, or archive / restore the experiment."""
    return json_response(experiments.update_experiment(scope, name, data))
