from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from kuznia.entities.common import parse
from kuznia.entities.heartbeats import Heartbeat, HeartbeatReply
from kuznia.entities.runs import (
    PropertiesUpdate,
    Run,
    RunCreate,
    RunList,
    RunQuery,
    RunStatus,
    RunSubmit,
    RunUpdate,
    TagsUpdate,
)
from kuznia.server.deps import ReadScopeDep, RunIdPath, ScopeDep
from kuznia.server.loops import wake_dispatcher
from kuznia.server.responses import json_response
from kuznia.services import compute, runs, submissions

router = APIRouter(prefix="/workspaces/{workspace}/runs", tags=["runs"])


@router.post("", response_model=Run, status_code=201)
def create_run(data: RunCreate, scope: ScopeDep) -> Response:
    """Start a run; its experiment is created on first use."""
    return json_response(runs.create_run(scope, data), 201)


@router.post("/submit", response_model=Run, status_code=201)
def submit_run(data: RunSubmit, scope: ScopeDep, request: Request) -> Response:
    """Queue a script run on a compute target; it starts when the target has a free slot."""
    run = submissions.submit_run(scope, data)
    wake_dispatcher(request.app)
    return json_response(run, 201)


@router.get("", response_model=RunList)
def list_runs(
    scope: ScopeDep,
    experiment_name: Annotated[str | None, Query(max_length=255)] = None,
    filter: Annotated[str | None, Query(max_length=10_000)] = None,
    order_by: Annotated[list[str] | None, Query(max_length=10)] = None,
    status: Annotated[list[RunStatus] | None, Query(max_length=20)] = None,
    include_children: bool = False,
    max_results: Annotated[int, Query(ge=1, le=10_000)] = 100,
    page_token: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """List runs, newest first; ``filter`` uses the filter language (see the README)."""
    query = parse(
        RunQuery,
        {
            "experiment_name": experiment_name,
            "filter": filter,
            "order_by": order_by or [],
            "statuses": status or [],
            "include_children": include_children,
            "max_results": max_results,
            "page_token": page_token,
        },
    )
    return json_response(runs.list_runs(scope, query))


@router.post("/search", response_model=RunList)
def search_runs(query: RunQuery, scope: ReadScopeDep) -> Response:
    """List runs with every option of RunQuery (tags and properties as maps)."""
    return json_response(runs.list_runs(scope, query))


@router.get("/{run_id}", response_model=Run)
def get_run(run_id: RunIdPath, scope: ScopeDep) -> Response:
    """Get one run with its tags, properties and latest metric values."""
    return json_response(runs.get_run(scope, run_id))


@router.patch("/{run_id}", response_model=Run)
def update_run(run_id: RunIdPath, data: RunUpdate, scope: ScopeDep) -> Response:
    """Change display name, description, status (legal transitions only) or error details."""
    return json_response(runs.update_run(scope, run_id, data))


@router.post("/{run_id}/cancel", response_model=Run)
def cancel_run(run_id: RunIdPath, scope: ScopeDep, request: Request) -> Response:
    """Cancel a live run."""
    run = runs.cancel_run(scope, run_id)
    wake_dispatcher(request.app)  # a canceled queued run frees its place in the queue
    return json_response(run)


@router.post("/{run_id}/heartbeat", response_model=HeartbeatReply)
def heartbeat(run_id: RunIdPath, data: Heartbeat, scope: ScopeDep) -> Response:
    """A run's bootstrap reports that it is alive; the answer carries the run's status."""
    return json_response(compute.heartbeat(scope, run_id, data))


@router.patch("/{run_id}/tags", response_model=Run)
def update_tags(run_id: RunIdPath, data: TagsUpdate, scope: ScopeDep) -> Response:
    """Set and remove tags."""
    return json_response(runs.update_tags(scope, run_id, data))


@router.post("/{run_id}/properties", response_model=Run)
def add_properties(run_id: RunIdPath, data: PropertiesUpdate, scope: ScopeDep) -> Response:
    """Add write-once properties (changing one is a Conflict)."""
    return json_response(runs.add_properties(scope, run_id, data))


@router.get("/{run_id}/children", response_model=list[Run])
def get_children(run_id: RunIdPath, scope: ScopeDep, recursive: bool = False) -> Response:
    """Child runs, or all descendants with ``recursive=true``."""
    return json_response(runs.get_children(scope, run_id, recursive), item_type=Run)
