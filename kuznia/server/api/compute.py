from __future__ import annotations

from fastapi import APIRouter, Response

from kuznia.entities.compute import ComputeTarget, ComputeTargetCreate, ComputeTargetUpdate
from kuznia.server.deps import ScopeDep
from kuznia.server.responses import json_response
from kuznia.services import compute

router = APIRouter(prefix="/workspaces/{workspace}/compute", tags=["compute"])


@router.get("", response_model=list[ComputeTarget])
def list_targets(scope: ScopeDep) -> Response:
    """List compute targets with their running and queued run counts."""
    return json_response(compute.list_targets(scope), item_type=ComputeTarget)


@router.post("", response_model=ComputeTarget, status_code=201)
def create_target(data: ComputeTargetCreate, scope: ScopeDep) -> Response:
    """Add a compute target."""
    return json_response(compute.create_target(scope, data), 201)


@router.get("/{name}", response_model=ComputeTarget)
def get_target(name: str, scope: ScopeDep) -> Response:
    """Get one compute target."""
    return json_response(compute.get_target(scope, name))


@router.put("/{name}", response_model=ComputeTarget)
def update_target(name: str, data: ComputeTargetUpdate, scope: ScopeDep) -> Response:
    """Replace a compute target's settings."""
    return json_response(compute.update_target(scope, name, data))
