from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from kuznia.blobs.store import read_chunks
from kuznia.entities.files import RunFile, RunFileList
from kuznia.entities.paths import check_relative_path
from kuznia.server.deps import RunIdPath, ScopeDep
from kuznia.server.responses import BYTES, json_response
from kuznia.server.uploads import spooled_body
from kuznia.services import files, runs

router = APIRouter(prefix="/workspaces/{workspace}/runs/{run_id}/files", tags=["files"])


@router.get("", response_model=RunFileList)
def list_files(
    run_id: RunIdPath,
    scope: ScopeDep,
    prefix: Annotated[str, Query(max_length=1024)] = "",
    page_token: Annotated[str | None, Query(max_length=1000)] = None,
    max_results: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """List the run's files whose path starts with ``prefix``."""
    return json_response(files.list_files(scope, run_id, prefix, page_token, max_results))


@router.put("/{path:path}", response_model=RunFile, status_code=201)
async def upload_file(
    run_id: RunIdPath, path: str, request: Request, scope: ScopeDep, overwrite: bool = False
) -> Response:
    """Upload one file (the raw request body) under ``path``."""
    check_relative_path(path, "file name")
    await run_in_threadpool(runs.get_run, scope, run_id)
    # Spooled as it arrives: never the whole file in memory, and the database is
    # only touched once the body is complete.
    async with spooled_body(request) as body:
        chunks = read_chunks(body)
        record = await run_in_threadpool(files.upload_file, scope, run_id, path, chunks, overwrite)
    return json_response(record, 201)


@router.get("/{path:path}", response_class=Response, responses=BYTES)
def download_file(run_id: RunIdPath, path: str, scope: ScopeDep) -> StreamingResponse:
    """Download one file's bytes."""
    record, chunks = files.open_file(scope, run_id, path)
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={
            "ETag": f'"{record.digest}"',
            "X-Kuznia-Size": str(record.size),
            "X-Kuznia-Created-At": record.created_at.isoformat(),
            "Content-Length": str(record.size),
        },
    )
