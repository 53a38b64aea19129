"""Pages that browse: workspaces, the experiments of a workspace, and runs tables."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from kuznia.entities.experiments import Experiment, ExperimentQuery, ViewType
from kuznia.entities.runs import RunList
from kuznia.errors import InvalidInput
from kuznia.server.deps import ScopeDep, StoresDep
from kuznia.services import experiments, run_keys, runs, workspaces
from kuznia.services.access import LOCAL
from kuznia.services.scope import Scope
from kuznia.studio import runs_table
from kuznia.studio.errors import StudioRoute
from kuznia.studio.templating import render

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
ExperimentPath = Annotated[str, Path(max_length=255, description="experiment name")]


@router.get("/", response_class=HTMLResponse)
def list_workspaces(request: Request, stores: StoresDep) -> HTMLResponse:
    """The workspaces of this server that the viewer may see."""
    principal = getattr(request.state, "principal", None) or LOCAL
    page = workspaces.list_workspaces(stores, request.query_params.get("page_token"), 100, principal)
    return render(request, "workspaces.html", workspaces=page.items, next_page_token=page.next_page_token)


@router.get("/workspaces")
def workspaces_index() -> RedirectResponse:
    return RedirectResponse("/", status_code=307)


@router.get("/workspaces/{workspace}", response_class=HTMLResponse)
def list_experiments(request: Request, scope: ScopeDep) -> HTMLResponse:
    """The experiments of a workspace: run counts and last activity."""
    view = request.query_params.get("view") or ViewType.ACTIVE_ONLY.value
    if view not in {v.value for v in ViewType}:
        raise InvalidInput(f"view: use one of {', '.join(v.value for v in ViewType)}")
    page = experiments.list_experiments(
        scope,
        ExperimentQuery(view_type=ViewType(view), max_results=1000,
                        page_token=request.query_params.get("page_token")),
    )
    return render(
        request, "experiments.html", workspace=scope.workspace, section="experiments", is_section_index=True,
        experiments=page.items,
        next_page_token=page.next_page_token, view=view, views=[v.value for v in ViewType],
    )


@router.get("/workspaces/{workspace}/runs", response_class=HTMLResponse)
def list_workspace_runs(request: Request, scope: ScopeDep) -> HTMLResponse:
    """Every run of the workspace, in one table."""
    return _runs_page(request, scope, None)


@router.get("/workspaces/{workspace}/experiments/{experiment}", response_class=HTMLResponse)
def list_experiment_runs(request: Request, scope: ScopeDep, experiment: ExperimentPath) -> HTMLResponse:
    """The runs table of one experiment."""
    return _runs_page(request, scope, experiments.get_experiment(scope, experiment))


def _runs_page(request: Request, scope: Scope, experiment: Experiment | None) -> HTMLResponse:
    params = runs_table.parse_params(request.query_params)
    tag_keys = run_keys.list_tag_keys(scope) if params.q else []
    status_code = 200
    query = None
    try:
        query = runs_table.build_query(params, experiment.name if experiment else None, tag_keys)
        found = runs.list_runs(scope, query)
    except InvalidInput as exc:
        # A filter that parses can still be refused when compiled (e.g. a bad time).
        params.errors["filter"] = exc.message
        found = RunList(items=[])
    if params.errors:
        status_code = 400
    columns = runs_table.choose_columns(params, found.items)
    base_url = (
        f"/workspaces/{scope.workspace.name}/experiments/{experiment.name}" if experiment
        else f"/workspaces/{scope.workspace.name}/runs"
    )
    return render(
        request, "runs.html", status_code=status_code,
        workspace=scope.workspace, section="experiments" if experiment else "runs",
        is_section_index=experiment is None, experiment=experiment, runs=found.items,
        has_next=found.next_page_token is not None, params=params, columns=columns,
        choices=runs_table.column_choices(found.items, columns), base_url=base_url,
        args=params.as_query_args(), page_sizes=runs_table.PAGE_SIZES, sortable=runs_table.SORTABLE,
        next_order=runs_table.next_order, sort_state=runs_table.sort_state,
        effective_order=params.order if params.order and "order" not in params.errors else "created_at desc",
        compare_filter=query.filter if query is not None and "filter" not in params.errors else None,
    )
