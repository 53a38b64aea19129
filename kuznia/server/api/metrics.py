from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from kuznia.entities.common import parse
from kuznia.entities.metrics import (
    MAX_HISTORY_POINTS,
    MetricBatch,
    MetricHistoriesQuery,
    MetricHistory,
    MetricHistoryQuery,
    MetricRecord,
    MetricRecordCreate,
    MetricSummary,
)
from kuznia.server.deps import RunIdPath, ScopeDep
from kuznia.server.responses import json_response
from kuznia.services import metrics
from kuznia.services.scope import Scope

router = APIRouter(prefix="/workspaces/{workspace}/runs/{run_id}", tags=["metrics"])


@router.post(
    "/metrics",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/MetricBatch"}}}}},
)
async def log_metrics(run_id: RunIdPath, request: Request, scope: ScopeDep) -> dict[str, int]:
    """Append a batch of scalar points (NaN and Infinity allowed as JSON constants)."""
    # The hot path of ingestion: pydantic's JSON parser is ~4x faster than json.loads
    # followed by validation, which is what a typed body parameter would do.
    body = await request.body()
    stored = await run_in_threadpool(_ingest, scope, run_id, body)
    return {"stored": stored}


def _ingest(scope: Scope, run_id: str, body: bytes) -> int:
    return metrics.log_metrics(scope, run_id, MetricBatch.model_validate_json(body))


@router.get("/metrics", response_model=list[MetricSummary])
def get_metric_summaries(run_id: RunIdPath, scope: ScopeDep) -> Response:
    """One summary per metric: count, latest point, min and max."""
    return json_response(metrics.get_metric_summaries(scope, run_id), item_type=MetricSummary)


@router.get("/metrics/history", response_model=MetricHistory)
def get_metric_history(
    run_id: RunIdPath,
    scope: ScopeDep,
    name: Annotated[str, Query(max_length=255)],
    start_step: Annotated[int | None, Query(ge=-(2**63), le=2**63 - 1)] = None,
    end_step: Annotated[int | None, Query(ge=-(2**63), le=2**63 - 1)] = None,
    max_points: Annotated[int | None, Query(ge=2, le=MAX_HISTORY_POINTS)] = None,
) -> Response:
    """Points of one metric in step order; ``max_points`` downsamples keeping bucket min/max."""
    query = parse(
        MetricHistoryQuery,
        {"name": name, "start_step": start_step, "end_step": end_step, "max_points": max_points},
    )
    return json_response(metrics.get_metric_history(scope, run_id, query))


@router.get("/metrics/histories", response_model=list[MetricHistory])
def get_metric_histories(
    run_id: RunIdPath,
    scope: ScopeDep,
    name: Annotated[list[str], Query()],
    max_points: Annotated[int | None, Query(ge=2, le=MAX_HISTORY_POINTS)] = None,
) -> Response:
    """Whole histories of up to 50 metrics (``name`` repeated), each downsampled to ``max_points``."""
    query = parse(MetricHistoriesQuery, {"names": name, "max_points": max_points})
    return json_response(metrics.get_metric_histories(scope, run_id, query), item_type=MetricHistory)


@router.post("/metric-records", status_code=201)
def log_record(run_id: RunIdPath, record: MetricRecordCreate, scope: ScopeDep) -> dict[str, bool]:
    """Store a table, a row or an image reference under a metric name."""
    metrics.log_record(scope, run_id, record)
    return {"stored": True}


@router.get("/metric-records", response_model=list[MetricRecord])
def get_metric_records(
    run_id: RunIdPath, scope: ScopeDep, name: Annotated[str | None, Query(max_length=255)] = None
) -> Response:
    """Tables, rows and image references, in the order they were logged."""
    return json_response(metrics.get_metric_records(scope, run_id, name), item_type=MetricRecord)
