from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import StreamingResponse

from kuznia.entities.models import (
    Model,
    ModelCreate,
    ModelFiles,
    ModelList,
    ModelQuery,
    ModelUpdate,
)
from kuznia.server.deps import ReadScopeDep, ScopeDep
from kuznia.server.responses import BYTES, json_response
from kuznia.services import models

router = APIRouter(prefix="/workspaces/{workspace}/models", tags=["models"])
VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1)]  # versions are 32-bit integers in the database


@router.post("", response_model=Model, status_code=201)
def register(data: ModelCreate, scope: ScopeDep) -> Response:
    """Register the next version of a model, from uploaded files or a run's files."""
    return json_response(models.register_model(scope, data), 201)


@router.post("/search", response_model=ModelList)
def search(query: ModelQuery, scope: ReadScopeDep) -> Response:
    """List models by name, tags, properties or run; ``latest`` keeps one version per name."""
    return json_response(models.list_models(scope, query))


@router.get("/{name}", response_model=Model)
def latest(name: str, scope: ScopeDep) -> Response:
    """The latest version of a model."""
    return json_response(models.get_model(scope, name))


@router.get("/{name}/versions/{version}", response_model=Model)
def get(name: str, version: VersionPath, scope: ScopeDep) -> Response:
    """One version of a model."""
    return json_response(models.get_model(scope, name, version))


@router.patch("/{name}/versions/{version}", response_model=Model)
def update(name: str, version: VersionPath, data: ModelUpdate, scope: ScopeDep) -> Response:
    """Change description and tags, add write-once properties."""
    return json_response(models.update_model(scope, name, version, data))


@router.delete("/{name}/versions/{version}", status_code=204)
def delete(name: str, version: VersionPath, scope: ScopeDep) -> Response:
    """Delete a model version (refused while a deployment uses it)."""
    models.delete_model(scope, name, version)
    return Response(status_code=204)


@router.get("/{name}/versions/{version}/files", response_model=ModelFiles)
def files(name: str, version: VersionPath, scope: ScopeDep) -> Response:
    """The files of a model version."""
    return json_response(models.get_files(scope, name, version))


@router.get("/{name}/versions/{version}/files/{path:path}", response_class=Response, responses=BYTES)
def download(name: str, version: VersionPath, path: str, scope: ScopeDep) -> StreamingResponse:
    """One file of a model version."""
    entry, chunks = models.open_file(scope, name, version, path)
    return StreamingResponse(chunks, media_type="application/octet-stream",
                             headers={"ETag": f'"{entry.digest}"', "Content-Length": str(entry.size)})
