"""The router of every Studio page; static files are served from STATIC_DIR at /static.

Pages (each a stable URL)::

    /                                              workspaces
    /workspaces/{ws}                               experiments (run counts, last activity)
    /workspaces/{ws}/runs                          every run of the workspace
    /workspaces/{ws}/experiments/{name}            runs table of an experiment
    /workspaces/{ws}/runs/{id}                     run overview (also run.get_portal_url())
    /workspaces/{ws}/runs/{id}/metrics             metric charts
    /workspaces/{ws}/runs/{id}/tables              tables and images
    /workspaces/{ws}/runs/{id}/files[/{path}]      files browser and previews
    /workspaces/{ws}/runs/{id}/raw/{path}          a file's bytes
    POST /workspaces/{ws}/runs/{id}/cancel         the Cancel form (CSRF-checked)
    /workspaces/{ws}/compare?runs=A&runs=B         compare runs

Places kept for later issues: run logs (issue 4 uploads them under logs/; the
files browser shows them today, a follow-while-running view goes on the run
page), environments (5), users and login (6, see viewer.py), models and
endpoints (7), compute targets and secrets (5/4). Their pages are added with
their resources, not before.
"""

from __future__ import annotations

from fastapi import APIRouter

from kuznia.studio import (
    asset_pages,
    compare_pages,
    endpoint_pages,
    log_pages,
    login_pages,
    model_pages,
    run_pages,
    workspace_pages,
)
from kuznia.studio.templating import STATIC_DIR

router = APIRouter(include_in_schema=False)
router.include_router(login_pages.router)
router.include_router(workspace_pages.router)
router.include_router(compare_pages.router)
router.include_router(run_pages.router)
router.include_router(log_pages.router)
router.include_router(model_pages.router)
router.include_router(endpoint_pages.router)
router.include_router(asset_pages.router)

__all__ = ["STATIC_DIR", "router"]
