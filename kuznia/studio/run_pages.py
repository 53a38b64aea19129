"""Pages of one run: overview, metrics, tables and images, files; the Cancel form."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from kuznia.entities.metrics import MAX_HISTORY_NAMES, MetricKind, MetricRecord, MetricSummary
from kuznia.entities.paths import check_prefix
from kuznia.entities.runs import Run
from kuznia.errors import Forbidden, InvalidInput
from kuznia.server.deps import RunIdPath, ScopeDep
from kuznia.services import files, metrics, runs
from kuznia.services.scope import Scope
from kuznia.studio import csrf, files_view
from kuznia.studio.errors import StudioRoute
from kuznia.studio.templating import render
from kuznia.studio.viewer import ViewerDep

router = APIRouter(prefix="/workspaces/{workspace}/runs/{run_id}", route_class=StudioRoute, include_in_schema=False)
FilePath = Annotated[str, Path(max_length=1024, description="file path")]
MAX_CHILDREN_SHOWN = 100
MAX_FILES_LISTED = 2000
# Points asked for when a chart shows a whole series (≈ 2 × a wide chart's pixels: the
# server keeps each bucket's min and max). Fixed, so the page can preload its requests.
INITIAL_POINTS = 1500
# The charts' first paint asks for many series per request (…/metrics/histories): a browser
# pays tens of milliseconds per request on a busy machine, 20 requests cost more than the
# reads. A long series has a request of its own, so its read runs beside the others.
ALONE_FROM_POINTS = 20_000
BATCH_POINTS = 30_000  # ≈ 1 MB of JSON per request
MAX_PRELOADS = 4  # requests started while the page is still parsing (long series first)
# Properties written by script runs (issue 4) that describe the code a run came from.
SOURCE_PREFIXES = ("azureml.git.", "git.", "mlflow.source.")


def _run_base(scope: Scope, run_id: str) -> str:
    return f"/workspaces/{quote(scope.workspace.name)}/runs/{quote(run_id, safe='')}"


def render_run_page(request: Request, scope: Scope, run: Run, template: str, tab: str, **context: Any) -> HTMLResponse:
    """A page of one run: its header, the run tabs and ``template`` with ``context``."""
    return render(
        request, template, workspace=scope.workspace, run=run, tab=tab,
        run_base=_run_base(scope, run.id), section="runs", **context,
    )


@router.get("", response_class=HTMLResponse)
def show_run(request: Request, scope: ScopeDep, run_id: RunIdPath) -> HTMLResponse:
    """Overview: status, timings, parent and children, properties, tags, source, metric summary."""
    run = runs.get_run(scope, run_id)
    parent = runs.get_run(scope, run.parent_run_id) if run.parent_run_id else None
    children = runs.get_children(scope, run_id)
    summaries = metrics.get_metric_summaries(scope, run_id)
    source = {k: v for k, v in run.properties.items() if k.startswith(SOURCE_PREFIXES)}
    properties = {k: v for k, v in run.properties.items() if k not in source}
    # Issue 4 (script runs) adds snapshots: link the run's snapshot here once the
    # run carries its id, next to the git information above.
    return render_run_page(
        request, scope, run, "run_overview.html", "overview", parent=parent,
        children=children[:MAX_CHILDREN_SHOWN], child_count=len(children), summaries=summaries,
        source=source, properties=properties,
    )


@router.get("/metrics", response_class=HTMLResponse)
def show_metrics(request: Request, scope: ScopeDep, run_id: RunIdPath) -> HTMLResponse:
    """Every scalar metric as an interactive chart fed by the downsampled history API."""
    run = runs.get_run(scope, run_id)
    summaries = [s for s in metrics.get_metric_summaries(scope, run_id) if s.kind == MetricKind.SCALAR]
    metrics_url = f"/api/v1/workspaces/{quote(scope.workspace.name)}/runs/{quote(run.id, safe='')}/metrics"
    groups = _initial_groups(summaries)
    urls = {name: f"{metrics_url}/histories?{urlencode([('max_points', INITIAL_POINTS)] + [('name', n) for n in group])}"
            for group in groups for name in group}
    return render_run_page(
        request, scope, run, "run_metrics.html", "metrics", summaries=summaries,
        history_url=f"{metrics_url}/history", initial_urls=urls,
        preloads=[urls[group[0]] for group in groups[:MAX_PRELOADS]],
    )


def _initial_groups(summaries: list[MetricSummary]) -> list[list[str]]:
    """Metric names by the request that first draws their charts: each long series alone,
    longest first, then the others in page order, BATCH_POINTS or MAX_HISTORY_NAMES a request."""
    long = sorted((s for s in summaries if s.count >= ALONE_FROM_POINTS), key=lambda s: -s.count)
    groups = [[s.name] for s in long]
    batch: list[str] = []
    points = 0
    for s in summaries:
        if s.count >= ALONE_FROM_POINTS:
            continue
        size = min(s.count, INITIAL_POINTS)
        if batch and (points + size > BATCH_POINTS or len(batch) >= MAX_HISTORY_NAMES):
            groups.append(batch)
            batch, points = [], 0
        batch.append(s.name)
        points += size
    return groups + [batch] if batch else groups


def _tables(records: list[MetricRecord]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Tables (logged whole, or row by row under one name) and images, in logging order."""
    tables: dict[str, dict[str, Any]] = {}
    images: list[dict[str, str]] = []
    for record in records:
        if record.kind == MetricKind.IMAGE:
            images.append({"name": record.name, "path": str(record.value.get("path", ""))})
            continue
        table = tables.setdefault(record.name, {"name": record.name, "columns": [], "rows": []})
        if record.kind == MetricKind.TABLE:
            names = list(record.value)
            height = max((len(v) for v in record.value.values()), default=0)
            new_rows = [{n: record.value[n][i] for n in names} for i in range(height)]
        else:
            names, new_rows = list(record.value), [record.value]
        table["columns"].extend(n for n in names if n not in table["columns"])
        table["rows"].extend(new_rows)
    return list(tables.values()), images


@router.get("/tables", response_class=HTMLResponse)
def show_tables(request: Request, scope: ScopeDep, run_id: RunIdPath) -> HTMLResponse:
    """Tables, rows and images logged by the run."""
    run = runs.get_run(scope, run_id)
    tables, images = _tables(metrics.get_metric_records(scope, run_id))
    return render_run_page(request, scope, run, "run_tables.html", "tables", tables=tables, images=images)


@router.get("/files", response_class=HTMLResponse)
def list_run_files(request: Request, scope: ScopeDep, run_id: RunIdPath) -> HTMLResponse:
    """One folder level of the run's files."""
    run = runs.get_run(scope, run_id)
    prefix = check_prefix(request.query_params.get("prefix", ""))
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    items: list[Any] = []
    token = None
    while len(items) < MAX_FILES_LISTED:
        page = files.list_files(scope, run_id, prefix, token, 1000)
        items.extend(page.items)
        token = page.next_page_token
        if token is None:
            break
    folder = files_view.folder_view(prefix, items[:MAX_FILES_LISTED])
    return render_run_page(
        request, scope, run, "run_files.html", "files", folder=folder,
        more=token is not None or len(items) > MAX_FILES_LISTED,
    )


@router.get("/files/{path:path}", response_class=HTMLResponse)
def preview_file(request: Request, scope: ScopeDep, run_id: RunIdPath, path: FilePath) -> HTMLResponse:
    """A preview of one file: text, JSON, CSV or an image, with a download link."""
    run = runs.get_run(scope, run_id)
    record, chunks = files.open_file(scope, run_id, path)
    preview = files_view.make_preview(record, chunks)
    folder = files_view.folder_view(path.rsplit("/", 1)[0] + "/" if "/" in path else "", [])
    return render_run_page(
        request, scope, run, "file_preview.html", "files", file=record, preview=preview,
        folder=folder, label=files_view.guess_label(path),
    )


@router.get("/raw/{path:path}")
def download_file(scope: ScopeDep, run_id: RunIdPath, path: FilePath, download: bool = False) -> Response:
    """The file's bytes: images inline (for previews), everything else as a download."""
    record, chunks = files.open_file(scope, run_id, path)
    media_type = files_view.download_type(path)
    name = quote(path.rsplit("/", 1)[-1])
    disposition = "inline" if media_type.startswith("image/") and not download else "attachment"
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={
            "Content-Length": str(record.size),
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{name}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "ETag": f'"{record.digest}"',
            "Cache-Control": "private, max-age=3600",
        },
    )


@router.post("/cancel")
async def cancel_run(request: Request, scope: ScopeDep, run_id: RunIdPath, viewer: ViewerDep) -> Response:
    """The Cancel button: needs the form's CSRF token and a contributor."""
    token: str | None = None
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/x-www-form-urlencoded":
        try:
            form = parse_qs((await request.body()).decode("utf-8", errors="replace"), max_num_fields=20)
        except ValueError:
            raise InvalidInput("the Cancel form has too many fields") from None
        token = next(iter(form.get(csrf.FIELD, [])), None)
    csrf.verify(request, token)
    if not viewer.can_contribute:  # every viewer can until issue 6 adds roles
        raise Forbidden("canceling a run needs the contributor role in this workspace")
    await run_in_threadpool(runs.cancel_run, scope, run_id)
    return RedirectResponse(_run_base(scope, run_id) + "?canceled=1", status_code=303)
