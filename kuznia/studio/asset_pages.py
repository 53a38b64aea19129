"""Workspace assets in Studio: environments (with the builds in the cache), compute
targets (with their running and queued runs) and the key vault (names and dates only:
a page never holds a secret's value)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kuznia.entities.environments import EnvironmentVersion
from kuznia.entities.runs import Run, RunQuery, RunStatus
from kuznia.server.deps import ScopeDep
from kuznia.services import compute, environment_builds, environments, runs, secrets
from kuznia.studio.errors import StudioRoute
from kuznia.studio.templating import render

router = APIRouter(prefix="/workspaces/{workspace}", route_class=StudioRoute, include_in_schema=False)
PAGE_SIZE = 100
MAX_RUNS_SHOWN = 500
# Runs that hold or wait for a slot of a compute target.
WAITING = (RunStatus.QUEUED,)
ACTIVE = (RunStatus.PREPARING, RunStatus.STARTING, RunStatus.RUNNING, RunStatus.FINALIZING,
          RunStatus.CANCEL_REQUESTED, RunStatus.NOT_RESPONDING)


@router.get("/environments", response_class=HTMLResponse)
def list_environments(
    request: Request, scope: ScopeDep, page_token: Annotated[str | None, Query(max_length=1000)] = None,
) -> HTMLResponse:
    """Environments (latest version, spec summary, every version) and the builds in the cache."""
    page = environments.list_latest(scope, page_token, PAGE_SIZE)
    versions: dict[str, list[EnvironmentVersion]] = {
        env.name: sorted(environments.list_versions(scope, env.name), key=lambda v: -v.version) for env in page.items
    }
    builds = sorted(environment_builds.list_builds(scope), key=lambda b: b.last_used_at, reverse=True)
    keys = environment_builds.build_keys(scope, [env.spec for env in page.items])
    built = {b.key: b for b in builds}
    used_by: dict[str, list[str]] = {}
    for env, key in zip(page.items, keys, strict=True):
        if key is not None:
            used_by.setdefault(key, []).append(env.name)
    return render(
        request, "environments.html", workspace=scope.workspace, section="environments", is_section_index=True,
        environments=page.items, versions=versions, next_page_token=page.next_page_token, builds=builds,
        cache_bytes=sum(b.size_bytes for b in builds), build_of={env.name: built.get(key) if key else None
                                                               for env, key in zip(page.items, keys, strict=True)},
        user_managed={env.name for env, key in zip(page.items, keys, strict=True) if key is None}, used_by=used_by,
    )


@router.get("/compute", response_class=HTMLResponse)
def list_compute(request: Request, scope: ScopeDep) -> HTMLResponse:
    """Compute targets with their settings and the runs they run and queue."""
    targets = compute.list_targets(scope)
    found = runs.list_runs(scope, RunQuery(statuses=[*ACTIVE, *WAITING], include_children=True,
                                           order_by=["created_at asc"], max_results=MAX_RUNS_SHOWN))
    by_target: dict[str, dict[str, list[Run]]] = {t.name: {"active": [], "queued": []} for t in targets}
    for run in found.items:
        if run.compute_target in by_target:  # runs logged from a notebook have no target
            by_target[run.compute_target]["queued" if run.status in WAITING else "active"].append(run)
    return render(
        request, "compute.html", workspace=scope.workspace, section="compute", is_section_index=True,
        targets=targets, by_target=by_target, more=found.next_page_token is not None, max_runs=MAX_RUNS_SHOWN,
    )


@router.get("/secrets", response_class=HTMLResponse)
def list_secrets(request: Request, scope: ScopeDep) -> HTMLResponse:
    """Names and dates of the key vault's secrets, never their values."""
    return render(request, "secrets.html", workspace=scope.workspace, section="secrets", is_section_index=True,
                  secrets=secrets.list_secrets(scope))
