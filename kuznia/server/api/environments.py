from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from kuznia.entities.environments import (
    EnvironmentBuild,
    EnvironmentList,
    EnvironmentSpec,
    EnvironmentVersion,
    PruneResult,
)
from kuznia.server.deps import ScopeDep
from kuznia.server.responses import json_response
from kuznia.services import environment_builds, environments

router = APIRouter(prefix="/workspaces/{workspace}", tags=["environments"])
Version = Annotated[int | None, Query(ge=1, le=2**31 - 1)]  # 32-bit integers in the database


@router.post("/environments", response_model=EnvironmentVersion)
def register(spec: EnvironmentSpec, scope: ScopeDep) -> Response:
    """Register an environment: a new version unless it equals the latest one."""
    return json_response(environments.register(scope, spec))


@router.get("/environments", response_model=EnvironmentList)
def list_latest(
    scope: ScopeDep,
    page_token: Annotated[str | None, Query(max_length=1000)] = None,
    max_results: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The latest version of each environment."""
    return json_response(environments.list_latest(scope, page_token, max_results))


@router.get("/environments/{name}", response_model=EnvironmentVersion)
def get(name: str, scope: ScopeDep, version: Version = None) -> Response:
    """One version of an environment (the latest by default)."""
    return json_response(environments.get(scope, name, version))


@router.get("/environments/{name}/versions", response_model=list[EnvironmentVersion])
def versions(name: str, scope: ScopeDep) -> Response:
    """Every version of an environment, oldest first."""
    return json_response(environments.list_versions(scope, name), item_type=EnvironmentVersion)


@router.post("/environments/{name}/build", response_model=EnvironmentBuild)
async def build(name: str, scope: ScopeDep, version: Version = None) -> Response:
    """Build an environment into the server's cache (or find it there); may take minutes."""
    return json_response(await run_in_threadpool(environment_builds.build, scope, name, version))


@router.get("/environment-cache", response_model=list[EnvironmentBuild])
def list_builds(scope: ScopeDep) -> Response:
    """Built environments in the server's cache, with their sizes."""
    return json_response(environment_builds.list_builds(scope), item_type=EnvironmentBuild)


@router.post("/environment-cache/prune", response_model=PruneResult)
def prune(scope: ScopeDep, unused_for_seconds: Annotated[float, Query(ge=0)] = 86_400.0) -> Response:
    """Remove builds no registered environment uses and no run used for a while."""
    return json_response(environment_builds.prune(scope, unused_for_seconds))
