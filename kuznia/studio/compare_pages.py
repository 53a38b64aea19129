"""Comparing runs: a side-by-side table with differences marked, overlaid metric
charts, and a parallel-coordinates plot of parameters and metrics for sweeps."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kuznia.entities.runs import Run, RunQuery
from kuznia.errors import InvalidInput
from kuznia.server.deps import ScopeDep
from kuznia.services import runs
from kuznia.studio.errors import StudioRoute
from kuznia.studio.templating import format_duration, format_number, format_time, render

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
MAX_RUNS = 1000  # a sweep's worth; the table shows the first MAX_TABLE_RUNS of them
MAX_TABLE_RUNS = 50
PARALLEL_MIN_RUNS = 3
PARALLEL_MAX_AXES = 12  # more and the axes are too close to read


@dataclass
class Row:
    section: str
    name: str
    values: list[str]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


def _as_number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(str(value))
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _selected_runs(request: Request, scope: Any) -> tuple[list[Run], str]:
    ids = [i for i in request.query_params.getlist("runs") if i][: MAX_RUNS + 1]
    if ids:
        if len(ids) > MAX_RUNS:
            raise InvalidInput(f"runs: compare at most {MAX_RUNS} runs at once")
        quoted = ", ".join("'" + i.replace("\\", "\\\\").replace("'", "\\'") + "'" for i in ids)
        found = runs.list_runs(
            scope, RunQuery(filter=f"id in ({quoted})", include_children=True, max_results=MAX_RUNS)
        ).items
        by_id = {r.id: r for r in found}
        return [by_id[i] for i in dict.fromkeys(ids) if i in by_id], ""
    experiment = request.query_params.get("experiment") or None
    filter_text = request.query_params.get("filter") or None
    if experiment is None and filter_text is None:
        return [], ""
    page = runs.list_runs(
        scope, RunQuery(experiment_name=experiment, filter=filter_text, max_results=MAX_RUNS)
    )
    note = f"showing the first {MAX_RUNS} matching runs" if page.next_page_token else ""
    return page.items, note


def _rows(selected: list[Run]) -> list[Row]:
    rows = [
        Row("Run", "status", [r.status.value for r in selected]),
        Row("Run", "experiment", [r.experiment_name for r in selected]),
        Row("Run", "created", [format_time(r.created_at) for r in selected]),
        Row("Run", "duration", [format_duration(r.duration_seconds) for r in selected]),
    ]
    for section, attribute in (("Properties", "properties"), ("Tags", "tags"), ("Metrics", "metrics")):
        keys = sorted({k for r in selected for k in getattr(r, attribute)})
        for key in keys:
            values = []
            for run in selected:
                value = getattr(run, attribute).get(key)
                values.append(format_number(value) if attribute == "metrics" else (value or ""))
            rows.append(Row(section, key, values))
    return rows


def _parallel(selected: list[Run]) -> dict[str, Any]:
    """Axes: numeric properties and tags (the sweep's parameters), then metrics."""
    axes: list[dict[str, Any]] = []
    for section, attribute in (("param", "properties"), ("tag", "tags"), ("metric", "metrics")):
        for key in sorted({k for r in selected for k in getattr(r, attribute)}):
            values = [_as_number(getattr(r, attribute).get(key)) for r in selected]
            present = [v for v in values if v is not None]
            if len(present) < max(2, len(selected) // 2) or len(set(present)) < 2:
                continue  # text, mostly missing, or constant: no information on an axis
            axes.append({"label": f"{section}: {key}", "values": values})
    return {"axes": axes[:PARALLEL_MAX_AXES], "runs": [r.display_name for r in selected]}


@router.get("/workspaces/{workspace}/compare", response_class=HTMLResponse)
def compare_runs(request: Request, scope: ScopeDep) -> HTMLResponse:
    """Compare runs chosen by id (``?runs=A&runs=B``) or by experiment and filter."""
    selected, note = _selected_runs(request, scope)
    table_runs = selected[:MAX_TABLE_RUNS]
    metric_names = sorted({k for r in selected for k in r.metrics})
    chart = {
        "workspace": scope.workspace.name,
        "runs": [{"id": r.id, "name": r.display_name} for r in selected[:20]],
        "metrics": metric_names,
    }
    return render(
        request, "compare.html", workspace=scope.workspace, section="runs", runs=selected, table_runs=table_runs,
        sections=[(name, list(items)) for name, items in groupby(_rows(table_runs), key=lambda r: r.section)],
        note=note, chart=chart,
        parallel=_parallel(selected) if len(selected) >= PARALLEL_MIN_RUNS else None,
        max_table_runs=MAX_TABLE_RUNS,
    )
