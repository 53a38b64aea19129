from __future__ import annotations

from fastapi import APIRouter, Query, Response

from kuznia.entities.logs import LogAppend, LogChunk
from kuznia.server.deps import RunIdPath, ScopeDep
from kuznia.server.responses import json_response
from kuznia.services import logs

router = APIRouter(prefix="/workspaces/{workspace}/runs/{run_id}/logs", tags=["logs"])


@router.get("", response_model=list[str])
def list_streams(run_id: RunIdPath, scope: ScopeDep) -> list[str]:
    """Names of the run's log streams, e.g. user_logs/std_log.txt."""
    return logs.list_log_streams(scope, run_id)


@router.post("/{stream:path}")
def append_log(run_id: RunIdPath, stream: str, data: LogAppend, scope: ScopeDep) -> dict[str, int]:
    """Append text to a log stream at ``offset`` (a repeated append is ignored)."""
    return {"end": logs.append_log(scope, run_id, stream, data)}


@router.get("/{stream:path}", response_model=LogChunk)
def read_log(run_id: RunIdPath, stream: str, scope: ScopeDep, offset: int = Query(0, ge=0, le=2**63 - 1)) -> Response:
    """Text of a log stream from ``offset``; poll with ``next_offset`` to follow it."""
    return json_response(logs.read_log(scope, run_id, stream, offset))
