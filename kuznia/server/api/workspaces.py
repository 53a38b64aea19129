from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kuznia.entities.workspaces import Workspace, WorkspaceCreate, WorkspaceList
from kuznia.server.deps import PrincipalDep, StoresDep
from kuznia.server.responses import json_response
from kuznia.services import workspaces

router = APIRouter(tags=["workspaces"])


@router.post("/workspaces", response_model=Workspace, status_code=201)
def create_workspace(data: WorkspaceCreate, stores: StoresDep, principal: PrincipalDep) -> Response:
    """Create a workspace."""
    return json_response(workspaces.create_workspace(stores, data, principal), 201)


@router.get("/workspaces", response_model=WorkspaceList)
def list_workspaces(
    stores: StoresDep,
    principal: PrincipalDep,
    page_token: Annotated[str | None, Query(max_length=1000)] = None,
    max_results: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """List workspaces by name."""
    return json_response(workspaces.list_workspaces(stores, page_token, max_results, principal))


@router.get("/workspaces/{workspace}", response_model=Workspace)
def get_workspace(workspace: str, stores: StoresDep, principal: PrincipalDep) -> Response:
    """Get one workspace."""
    return json_response(workspaces.get_workspace(stores, workspace, principal))
