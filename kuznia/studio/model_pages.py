"""The model registry in Studio: the models of a workspace, and one model's versions,
tags, properties, lineage, files and downloads."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from kuznia.entities.models import Model, ModelQuery
from kuznia.errors import InvalidInput
from kuznia.server.deps import ScopeDep
from kuznia.services import deployments, models
from kuznia.services.scope import Scope
from kuznia.studio.errors import StudioRoute
from kuznia.studio.templating import render

router = APIRouter(prefix="/workspaces/{workspace}/models", route_class=StudioRoute, include_in_schema=False)
NamePath = Annotated[str, Path(max_length=63, description="model name")]
VersionPath = Annotated[int, Path(ge=1, le=999_999_999, description="model version")]
FilePath = Annotated[str, Path(max_length=1024, description="file path")]
PAGE_SIZE = 100
MAX_VERSIONS = 1000
MAX_ZIP_BYTES = 2 * 1024**3  # bigger models: download file by file, or `kuznia model download`
CHUNK = 1024 * 1024


@router.get("", response_class=HTMLResponse)
def list_models(
    request: Request, scope: ScopeDep, page_token: Annotated[str | None, Query(max_length=1000)] = None,
) -> HTMLResponse:
    """Every model of the workspace with its latest version and tags."""
    page = models.list_models(scope, ModelQuery(latest=True, max_results=PAGE_SIZE, page_token=page_token))
    return render(request, "models.html", workspace=scope.workspace, section="models", is_section_index=True,
                  models=page.items, next_page_token=page.next_page_token)


def _model_page(request: Request, scope: Scope, name: str, version: int | None) -> HTMLResponse:
    model = models.get_model(scope, name, version)
    versions = models.list_models(scope, ModelQuery(name=model.name, max_results=MAX_VERSIONS)).items
    versions.sort(key=lambda m: -m.version)
    entries = models.get_files(scope, model.name, model.version).entries
    served_by = [d.name for d in deployments.list_deployments(scope) if model.id in d.models]
    return render(
        request, "model.html", workspace=scope.workspace, section="models", model=model,
        latest=versions[0].version if versions else model.version, versions=versions, files=entries,
        served_by=served_by, model_url=_model_url(scope, model), can_zip=model.total_bytes <= MAX_ZIP_BYTES,
    )


def _model_url(scope: Scope, model: Model) -> str:
    return f"/workspaces/{quote(scope.workspace.name)}/models/{quote(model.name)}/versions/{model.version}"


@router.get("/{name}", response_class=HTMLResponse)
def show_latest(request: Request, scope: ScopeDep, name: NamePath) -> HTMLResponse:
    """The latest version of a model, and the list of all versions."""
    return _model_page(request, scope, name, None)


@router.get("/{name}/versions/{version}", response_class=HTMLResponse)
def show_version(request: Request, scope: ScopeDep, name: NamePath, version: VersionPath) -> HTMLResponse:
    """One version of a model: tags, properties, lineage, files."""
    return _model_page(request, scope, name, version)


@router.get("/{name}/versions/{version}/files/{path:path}")
def download_file(scope: ScopeDep, name: NamePath, version: VersionPath, path: FilePath) -> StreamingResponse:
    """One file of a model version, as a download."""
    entry, chunks = models.open_file(scope, name, version, path)
    return StreamingResponse(chunks, media_type="application/octet-stream", headers={
        "Content-Length": str(entry.size),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(path.rsplit('/', 1)[-1])}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'",
        "ETag": f'"{entry.digest}"',
    })


@router.get("/{name}/versions/{version}/download")
def download_zip(scope: ScopeDep, name: NamePath, version: VersionPath) -> StreamingResponse:
    """Every file of a model version in one zip (stored, not compressed: models rarely shrink)."""
    model = models.get_model(scope, name, version)
    if model.total_bytes > MAX_ZIP_BYTES:
        raise InvalidInput(f"model {model.id} is too big for one zip; download its files one by one or use "
                           f"`kuznia model download {model.name} --version {model.version}`")
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # noqa: SIM115 - closed by _stream
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry in models.get_files(scope, model.name, model.version).entries:
            _, chunks = models.open_file(scope, model.name, model.version, entry.path)
            with archive.open(entry.path, "w", force_zip64=entry.size > 2**31) as out:
                for chunk in chunks:
                    out.write(chunk)
    size = spool.tell()
    spool.seek(0)
    filename = quote(f"{model.name}-{model.version}.zip")
    return StreamingResponse(_stream(spool), media_type="application/zip", headers={
        "Content-Length": str(size), "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
        "X-Content-Type-Options": "nosniff",
    })


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()
