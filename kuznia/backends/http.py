"""The HTTP backend: the REST API of ``kuznia server``, spoken with the same entities."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from kuznia.backends.http_assets import API, HttpAssetsMixin, _seg
from kuznia.blobs.snapshots import hash_file
from kuznia.blobs.store import CHUNK_SIZE, read_chunks
from kuznia.entities.common import check_name, check_run_id
from kuznia.entities.compute import ComputeTarget, ComputeTargetCreate, ComputeTargetUpdate
from kuznia.entities.deployments import (
    Deployment,
)
from kuznia.entities.environments import (
    EnvironmentBuild,
    EnvironmentVersion,
)
from kuznia.entities.experiments import (
    Experiment,
    ExperimentCreate,
    ExperimentList,
    ExperimentQuery,
    ExperimentUpdate,
)
from kuznia.entities.files import RunFile, RunFileList
from kuznia.entities.heartbeats import Heartbeat, HeartbeatReply
from kuznia.entities.logs import LogAppend, LogChunk
from kuznia.entities.metrics import (
    MetricBatch,
    MetricHistory,
    MetricHistoryQuery,
    MetricRecord,
    MetricRecordCreate,
    MetricSummary,
)
from kuznia.entities.paths import check_relative_path
from kuznia.entities.runs import (
    PropertiesUpdate,
    Run,
    RunCreate,
    RunList,
    RunQuery,
    RunSubmit,
    RunUpdate,
    TagsUpdate,
)
from kuznia.entities.secrets import SecretInfo, SecretValue
from kuznia.entities.snapshots import BlobDigests, Snapshot, SnapshotCreate, SnapshotManifest
from kuznia.entities.workspaces import Workspace, WorkspaceCreate, WorkspaceList
from kuznia.errors import ConnectionFailed, KuzniaError, error_from_dict
from kuznia.settings import saved_token

M = TypeVar("M", bound=BaseModel)
_RUNS = TypeAdapter(list[Run])
_SUMMARIES = TypeAdapter(list[MetricSummary])
_RECORDS = TypeAdapter(list[MetricRecord])
_TARGETS = TypeAdapter(list[ComputeTarget])
_STRINGS = TypeAdapter(list[str])
_ENV_VERSIONS = TypeAdapter(list[EnvironmentVersion])
_ENV_BUILDS = TypeAdapter(list[EnvironmentBuild])
_SECRET_VALUES = TypeAdapter(list[SecretValue])
_SECRET_INFOS = TypeAdapter(list[SecretInfo])
_DEPLOYMENTS = TypeAdapter(list[Deployment])
PACK_BYTES = 32 * 1024 * 1024  # files are sent in tar packs of about this size


class HttpBackend(HttpAssetsMixin):
    """Talks to a Kuźnia server. ``token`` (or ``KUZNIA_TOKEN``) is sent as a bearer token."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.location = {"server": self.url}
        token = token or os.environ.get("KUZNIA_TOKEN") or saved_token(self.url)
        headers = {"User-Agent": "kuznia-sdk"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport or httpx.HTTPTransport(retries=3),
        )

    def close(self) -> None:
        self.client.close()

    # plumbing ----------------------------------------------------------------
    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        body = kwargs.pop("model", None)
        if body is not None:
            kwargs["content"] = body.model_dump_json(exclude_unset=True)
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        try:
            response = self.client.request(method, API + path, **kwargs)
        except httpx.TransportError as exc:
            raise ConnectionFailed(
                f"cannot reach the Kuźnia server at {self.url} ({exc.__class__.__name__}); "
                "is `kuznia server` running?"
            ) from exc
        if response.status_code >= 400:
            raise _error(response)
        return response

    def _get(self, path: str, model: type[M], **kwargs: Any) -> M:
        return model.model_validate_json(self._send("GET", path, **kwargs).content)

    def _call(self, method: str, path: str, model: type[M], body: BaseModel | None = None, **kwargs: Any) -> M:
        return model.model_validate_json(self._send(method, path, model=body, **kwargs).content)

    @staticmethod
    def _ws(workspace: str) -> str:
        return f"/workspaces/{_seg(check_name('workspace name', workspace, 63))}"

    def _run(self, workspace: str, run_id: str) -> str:
        # Checked here as the service checks it: an id like '../x' must not reach another route.
        return f"{self._ws(workspace)}/runs/{_seg(check_run_id(run_id))}"

    # workspaces --------------------------------------------------------------
    def create_workspace(self, data: WorkspaceCreate) -> Workspace:
        return self._call("POST", "/workspaces", Workspace, data)

    def get_workspace(self, name: str) -> Workspace:
        return self._get(self._ws(name), Workspace)

    def list_workspaces(self, page_token: str | None = None, max_results: int = 100) -> WorkspaceList:
        params: dict[str, Any] = {"max_results": max_results}
        if page_token:
            params["page_token"] = page_token
        return self._get("/workspaces", WorkspaceList, params=params)

    # experiments -------------------------------------------------------------
    def ensure_experiment(self, workspace: str, data: ExperimentCreate) -> Experiment:
        return self._call("POST", f"{self._ws(workspace)}/experiments", Experiment, data)

    def get_experiment(self, workspace: str, name: str) -> Experiment:
        return self._get(f"{self._ws(workspace)}/experiments/{_seg(check_name('experiment name', name))}", Experiment)

    def list_experiments(self, workspace: str, query: ExperimentQuery) -> ExperimentList:
        params = query.model_dump(exclude_none=True, mode="json")
        return self._get(f"{self._ws(workspace)}/experiments", ExperimentList, params=params)

    def update_experiment(self, workspace: str, name: str, data: ExperimentUpdate) -> Experiment:
        return self._call("PATCH", f"{self._ws(workspace)}/experiments/{_seg(check_name('experiment name', name))}", Experiment, data)

    # runs --------------------------------------------------------------------
    def create_run(self, workspace: str, data: RunCreate) -> Run:
        return self._call("POST", f"{self._ws(workspace)}/runs", Run, data)

    def get_run(self, workspace: str, run_id: str) -> Run:
        return self._get(self._run(workspace, run_id), Run)

    def update_run(self, workspace: str, run_id: str, data: RunUpdate) -> Run:
        return self._call("PATCH", self._run(workspace, run_id), Run, data)

    def cancel_run(self, workspace: str, run_id: str) -> Run:
        return self._call("POST", f"{self._run(workspace, run_id)}/cancel", Run)

    def update_tags(self, workspace: str, run_id: str, data: TagsUpdate) -> Run:
        return self._call("PATCH", f"{self._run(workspace, run_id)}/tags", Run, data)

    def add_properties(self, workspace: str, run_id: str, data: PropertiesUpdate) -> Run:
        return self._call("POST", f"{self._run(workspace, run_id)}/properties", Run, data)

    def list_runs(self, workspace: str, query: RunQuery) -> RunList:
        return self._call("POST", f"{self._ws(workspace)}/runs/search", RunList, query)

    def get_children(self, workspace: str, run_id: str, recursive: bool = False) -> list[Run]:
        response = self._send(
            "GET", f"{self._run(workspace, run_id)}/children", params={"recursive": recursive}
        )
        return _RUNS.validate_json(response.content)

    # metrics -----------------------------------------------------------------
    def log_metrics(self, workspace: str, run_id: str, batch: MetricBatch) -> int:
        response = self._send("POST", f"{self._run(workspace, run_id)}/metrics", model=batch)
        return int(response.json()["stored"])

    def log_record(self, workspace: str, run_id: str, record: MetricRecordCreate) -> None:
        self._send("POST", f"{self._run(workspace, run_id)}/metric-records", model=record)

    def get_metric_summaries(self, workspace: str, run_id: str) -> list[MetricSummary]:
        response = self._send("GET", f"{self._run(workspace, run_id)}/metrics")
        return _SUMMARIES.validate_json(response.content)

    def get_metric_history(self, workspace: str, run_id: str, query: MetricHistoryQuery) -> MetricHistory:
        params = query.model_dump(exclude_none=True)
        return self._get(f"{self._run(workspace, run_id)}/metrics/history", MetricHistory, params=params)

    def get_metric_records(self, workspace: str, run_id: str, name: str | None = None) -> list[MetricRecord]:
        params = {"name": name} if name is not None else {}
        response = self._send("GET", f"{self._run(workspace, run_id)}/metric-records", params=params)
        return _RECORDS.validate_json(response.content)

    # files -------------------------------------------------------------------
    def _file_url(self, workspace: str, run_id: str, path: str) -> str:
        check_relative_path(path, "file name")
        return f"{self._run(workspace, run_id)}/files/" + quote(path, safe="/")

    def upload_file(
        self, workspace: str, run_id: str, path: str, source: BinaryIO, overwrite: bool = False
    ) -> RunFile:
        url = self._file_url(workspace, run_id, path)
        chunks = read_chunks(source)
        response = self._send(
            "PUT",
            url,
            content=chunks,
            params={"overwrite": overwrite},
            headers={"Content-Type": "application/octet-stream"},
        )
        return RunFile.model_validate_json(response.content)

    def list_files(
        self, workspace: str, run_id: str, prefix: str = "", page_token: str | None = None,
        max_results: int = 1000,
    ) -> RunFileList:
        params: dict[str, Any] = {"prefix": prefix, "max_results": max_results}
        if page_token:
            params["page_token"] = page_token
        return self._get(f"{self._run(workspace, run_id)}/files", RunFileList, params=params)

    def download_file(self, workspace: str, run_id: str, path: str, destination: BinaryIO) -> RunFile:
        headers = self._stream_into(API + self._file_url(workspace, run_id, path), destination)
        return RunFile(
            path=path,
            digest=headers["ETag"].strip('"'),
            size=int(headers["X-Kuznia-Size"]),
            created_at=datetime.fromisoformat(headers["X-Kuznia-Created-At"]),
        )

    # compute targets -----------------------------------------------------------
    def list_compute_targets(self, workspace: str) -> list[ComputeTarget]:
        return _TARGETS.validate_json(self._send("GET", f"{self._ws(workspace)}/compute").content)

    def get_compute_target(self, workspace: str, name: str) -> ComputeTarget:
        name = check_name("compute target name", name, 63)
        return self._get(f"{self._ws(workspace)}/compute/{_seg(name)}", ComputeTarget)

    def create_compute_target(self, workspace: str, data: ComputeTargetCreate) -> ComputeTarget:
        return self._call("POST", f"{self._ws(workspace)}/compute", ComputeTarget, data)

    def update_compute_target(self, workspace: str, name: str, data: ComputeTargetUpdate) -> ComputeTarget:
        name = check_name("compute target name", name, 63)
        return self._call("PUT", f"{self._ws(workspace)}/compute/{_seg(name)}", ComputeTarget, data)

    # snapshots -------------------------------------------------------------------
    def missing_blobs(self, workspace: str, digests: list[str]) -> list[str]:
        response = self._send("POST", f"{self._ws(workspace)}/blobs/missing", model=BlobDigests(digests=digests))
        return _STRINGS.validate_json(response.content)

    def upload_blobs(self, workspace: str, files: list[tuple[str, Path]]) -> None:
        """Small files travel together in tar packs; a big file is streamed on its own."""
        pack: list[tuple[str, Path]] = []
        size = 0
        for digest, path in files:
            length = path.stat().st_size
            if length >= PACK_BYTES:
                with open(path, "rb") as handle:
                    self._send("PUT", f"{self._ws(workspace)}/blobs/{digest}",
                               content=read_chunks(handle),
                               headers={"Content-Type": "application/octet-stream"})
                continue
            pack.append((digest, path))
            size += length
            if size >= PACK_BYTES:
                self._send_pack(workspace, pack)
                pack, size = [], 0
        if pack:
            self._send_pack(workspace, pack)

    def upload_files(self, workspace: str, paths: Iterable[str]) -> list[str]:
        paths = list(paths)
        digests = [hash_file(p) for p in paths]
        missing = set(self.missing_blobs(workspace, digests))
        lacking = {d: Path(p) for d, p in zip(digests, paths, strict=True) if d in missing}  # each content once
        self.upload_blobs(workspace, list(lacking.items()))
        return digests

    def _send_pack(self, workspace: str, files: list[tuple[str, Path]]) -> None:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for digest, path in files:
                info = tarfile.TarInfo(digest)
                data = path.read_bytes()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        self._send("POST", f"{self._ws(workspace)}/blobs", content=buffer.getvalue(),
                   headers={"Content-Type": "application/x-tar"})

    def create_snapshot(self, workspace: str, data: SnapshotCreate) -> Snapshot:
        return self._call("POST", f"{self._ws(workspace)}/snapshots", Snapshot, data)

    def get_snapshot_manifest(self, workspace: str, snapshot_id: str) -> SnapshotManifest:
        return self._get(f"{self._ws(workspace)}/snapshots/{_seg(snapshot_id)}", SnapshotManifest)

    def download_snapshot_file(self, workspace: str, snapshot_id: str, path: str, destination: BinaryIO) -> None:
        check_relative_path(path, "snapshot path")
        url = f"{API}{self._ws(workspace)}/snapshots/{_seg(snapshot_id)}/files/" + quote(path, safe="/")
        self._stream_into(url, destination)

    def _stream_into(self, url: str, destination: BinaryIO) -> httpx.Headers:
        try:
            with self.client.stream("GET", url) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                for chunk in response.iter_bytes(CHUNK_SIZE):
                    destination.write(chunk)
                return response.headers
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"download from {self.url} failed: {exc}") from exc

    # submitted runs ------------------------------------------------------------------
    def submit_run(self, workspace: str, data: RunSubmit) -> Run:
        return self._call("POST", f"{self._ws(workspace)}/runs/submit", Run, data)

    def dispatch_runs(self, workspace: str) -> None:
        """The server dispatches on its own."""

    def heartbeat(self, workspace: str, run_id: str, data: Heartbeat) -> HeartbeatReply:
        return self._call("POST", f"{self._run(workspace, run_id)}/heartbeat", HeartbeatReply, data)

    def _log_url(self, workspace: str, run_id: str, stream: str) -> str:
        check_relative_path(stream, "log stream")
        return f"{self._run(workspace, run_id)}/logs/" + quote(stream, safe="/")

    def append_log(self, workspace: str, run_id: str, stream: str, data: LogAppend) -> int:
        response = self._send("POST", self._log_url(workspace, run_id, stream), model=data)
        return int(response.json()["end"])

    def read_log(self, workspace: str, run_id: str, stream: str, offset: int = 0) -> LogChunk:
        return self._get(self._log_url(workspace, run_id, stream), LogChunk, params={"offset": offset})

    def list_log_streams(self, workspace: str, run_id: str) -> list[str]:
        return _STRINGS.validate_json(self._send("GET", f"{self._run(workspace, run_id)}/logs").content)


def _error(response: httpx.Response) -> KuzniaError:
    try:
        body = response.json()["error"]
        return error_from_dict(body)
    except (ValueError, KeyError, TypeError):
        text = response.text[:200].strip()
        return error_from_dict(
            {"code": "InternalError", "message": f"server answered {response.status_code}: {text}"}
        )
