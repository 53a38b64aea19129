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
    /workspaces/{ws}/runs/{id}/logs[?stream=S]     log streams, followed live while the run runs
    POST /workspaces/{ws}/runs/{id}/cancel         the Cancel form (CSRF-checked)
    /workspaces/{ws}/compare?runs=A&runs=B         compare runs
    /workspaces/{ws}/models                        models: latest version, tags
    /workspaces/{ws}/models/{name}[/versions/{v}]  a model version: tags, properties, lineage, files, versions
    /workspaces/{ws}/models/{name}/versions/{v}/files/{path}, …/download   a file, or all as a zip
    /workspaces/{ws}/endpoints                     endpoints (deployments) with their state
    /workspaces/{ws}/endpoints/{name}              state, scoring URI, replicas, keys (owners), telemetry, logs
    POST /workspaces/{ws}/endpoints/{name}/score   the try-it box (CSRF header; forwards to the endpoint)
    /workspaces/{ws}/environments                  environments, their versions, the builds in the cache
    /workspaces/{ws}/compute                       compute targets with their running and queued runs
    /workspaces/{ws}/secrets                       key vault: names and dates, never values
    /login, POST /logout                           Studio sessions (an API token for a signed cookie)

Each page's module: workspace_pages, run_pages, log_pages, compare_pages,
model_pages, endpoint_pages, asset_pages (environments, compute, secrets),
login_pages. Datasets and pipelines add their pages with their resources.
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
