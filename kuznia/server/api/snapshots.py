from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from kuznia.blobs.store import read_chunks
from kuznia.entities.snapshots import BlobDigests, Snapshot, SnapshotCreate, SnapshotManifest
from kuznia.server.deps import ScopeDep
from kuznia.server.responses import BYTES, json_response
from kuznia.server.uploads import spooled_body
from kuznia.services import snapshots

router = APIRouter(prefix="/workspaces/{workspace}", tags=["snapshots"])


@router.post("/blobs/missing", response_model=list[str])
def missing_blobs(data: BlobDigests, scope: ScopeDep) -> list[str]:
    """Which of these SHA-256 digests this workspace has not uploaded yet."""
    return snapshots.missing_blobs(scope, data)


@router.post("/blobs", status_code=201)
async def upload_blob_pack(request: Request, scope: ScopeDep) -> dict[str, int]:
    """Upload many blobs as one tar stream whose members are named by their digests."""
    async with spooled_body(request) as body:
        stored = await run_in_threadpool(snapshots.upload_blob_pack, scope, body)
    return {"stored": stored}


@router.put("/blobs/{digest}", status_code=201)
async def upload_blob(digest: str, request: Request, scope: ScopeDep) -> dict[str, str]:
    """Upload one blob (the raw body); refused unless its SHA-256 is ``digest``."""
    async with spooled_body(request) as body:
        await run_in_threadpool(
            snapshots.upload_blob, scope, digest, read_chunks(body)
        )
    return {"digest": digest}


@router.post("/snapshots", response_model=Snapshot, status_code=201)
def create_snapshot(data: SnapshotCreate, scope: ScopeDep) -> Response:
    """Record a snapshot from a manifest whose blobs were uploaded."""
    return json_response(snapshots.create_snapshot(scope, data), 201)


@router.get("/snapshots/{snapshot_id}", response_model=SnapshotManifest)
def get_manifest(snapshot_id: str, scope: ScopeDep) -> Response:
    """The files of a snapshot: path, digest, size and mode of each."""
    return json_response(snapshots.get_manifest(scope, snapshot_id))


@router.get("/snapshots/{snapshot_id}/files/{path:path}", response_class=Response, responses=BYTES)
def download_snapshot_file(snapshot_id: str, path: str, scope: ScopeDep) -> StreamingResponse:
    """One file of a snapshot."""
    entry, chunks = snapshots.open_snapshot_file(scope, snapshot_id, path)
    return StreamingResponse(chunks, media_type="application/octet-stream",
                             headers={"ETag": f'"{entry.digest}"', "Content-Length": str(entry.size)})
