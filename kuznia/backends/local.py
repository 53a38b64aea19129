"""The in-process backend: the services of an embedded (or server-side) store, called directly."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from kuznia.blobs.packs import file_chunks
from kuznia.blobs.store import read_chunks
from kuznia.entities.compute import ComputeTarget, ComputeTargetCreate, ComputeTargetUpdate
from kuznia.entities.deployments import (
    Deployment,
    DeploymentCreate,
    DeploymentUpdate,
    EndpointKeys,
    EndpointTelemetry,
)
from kuznia.entities.environments import (
    EnvironmentBuild,
    EnvironmentSpec,
    EnvironmentVersion,
    PruneResult,
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
from kuznia.entities.models import (
    Model,
    ModelCreate,
    ModelFiles,
    ModelList,
    ModelQuery,
    ModelUpdate,
)
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
from kuznia.entities.secrets import SecretInfo, SecretNames, SecretsSet, SecretValue
from kuznia.entities.snapshots import BlobDigests, Snapshot, SnapshotCreate, SnapshotManifest
from kuznia.entities.users import (
    AuditList,
    Member,
    MemberSet,
    TokenCreate,
    TokenCreated,
    TokenInfo,
    User,
    UserCreate,
    WhoAmI,
)
from kuznia.entities.workspaces import Workspace, WorkspaceCreate, WorkspaceList
from kuznia.services import (
    audit,
    compute,
    deployments,
    environment_builds,
    environments,
    experiments,
    files,
    logs,
    metrics,
    models,
    runs,
    secrets,
    snapshots,
    submissions,
    users,
    workspaces,
)
from kuznia.services.access import LOCAL
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores, open_embedded


class LocalBackend:
    """Calls the services in this process. Workspaces are looked up once and cached."""

    def __init__(self, stores: Stores, location: dict[str, str] | None = None) -> None:
        self.stores = stores
        self.location = location or {}
        self._scopes: dict[str, Scope] = {}
        self._lock = threading.Lock()

    @classmethod
    def embedded(cls, path: str | Path, create: bool = False) -> LocalBackend:
        folder = str(Path(path).expanduser().resolve())
        return cls(_shared_stores(folder, create), {"path": folder})

    def close(self) -> None:
        """Stores are shared by every backend on the same folder and live as long as the process."""

    def _scope(self, workspace: str) -> Scope:
        scope = self._scopes.get(workspace)
        if scope is None:
            scope = workspaces.open_scope(self.stores, workspace)
            with self._lock:
                self._scopes[workspace] = scope
        return scope

    # workspaces
    def create_workspace(self, data: WorkspaceCreate) -> Workspace:
        return workspaces.create_workspace(self.stores, data)

    def get_workspace(self, name: str) -> Workspace:
        return workspaces.get_workspace(self.stores, name)

    def list_workspaces(self, page_token: str | None = None, max_results: int = 100) -> WorkspaceList:
        return workspaces.list_workspaces(self.stores, page_token, max_results)

    # experiments
    def ensure_experiment(self, workspace: str, data: ExperimentCreate) -> Experiment:
        return experiments.ensure_experiment(self._scope(workspace), data)

    def get_experiment(self, workspace: str, name: str) -> Experiment:
        return experiments.get_experiment(self._scope(workspace), name)

    def list_experiments(self, workspace: str, query: ExperimentQuery) -> ExperimentList:
        return experiments.list_experiments(self._scope(workspace), query)

    def update_experiment(self, workspace: str, name: str, data: ExperimentUpdate) -> Experiment:
        return experiments.update_experiment(self._scope(workspace), name, data)

    # runs
    def create_run(self, workspace: str, data: RunCreate) -> Run:
        return runs.create_run(self._scope(workspace), data)

    def get_run(self, workspace: str, run_id: str) -> Run:
        return runs.get_run(self._scope(workspace), run_id)

    def update_run(self, workspace: str, run_id: str, data: RunUpdate) -> Run:
        return runs.update_run(self._scope(workspace), run_id, data)

    def cancel_run(self, workspace: str, run_id: str) -> Run:
        return runs.cancel_run(self._scope(workspace), run_id)

    def update_tags(self, workspace: str, run_id: str, data: TagsUpdate) -> Run:
        return runs.update_tags(self._scope(workspace), run_id, data)

    def add_properties(self, workspace: str, run_id: str, data: PropertiesUpdate) -> Run:
        return runs.add_properties(self._scope(workspace), run_id, data)

    def list_runs(self, workspace: str, query: RunQuery) -> RunList:
        return runs.list_runs(self._scope(workspace), query)

    def get_children(self, workspace: str, run_id: str, recursive: bool = False) -> list[Run]:
        return runs.get_children(self._scope(workspace), run_id, recursive)

    # metrics
    def log_metrics(self, workspace: str, run_id: str, batch: MetricBatch) -> int:
        return metrics.log_metrics(self._scope(workspace), run_id, batch)

    def log_record(self, workspace: str, run_id: str, record: MetricRecordCreate) -> None:
        metrics.log_record(self._scope(workspace), run_id, record)

    def get_metric_summaries(self, workspace: str, run_id: str) -> list[MetricSummary]:
        return metrics.get_metric_summaries(self._scope(workspace), run_id)

    def get_metric_history(self, workspace: str, run_id: str, query: MetricHistoryQuery) -> MetricHistory:
        return metrics.get_metric_history(self._scope(workspace), run_id, query)

    def get_metric_records(self, workspace: str, run_id: str, name: str | None = None) -> list[MetricRecord]:
        return metrics.get_metric_records(self._scope(workspace), run_id, name)

    # files
    def upload_file(
        self, workspace: str, run_id: str, path: str, source: BinaryIO, overwrite: bool = False
    ) -> RunFile:
        chunks = read_chunks(source)
        return files.upload_file(self._scope(workspace), run_id, path, chunks, overwrite)

    def list_files(
        self, workspace: str, run_id: str, prefix: str = "", page_token: str | None = None,
        max_results: int = 1000,
    ) -> RunFileList:
        return files.list_files(self._scope(workspace), run_id, prefix, page_token, max_results)

    def download_file(self, workspace: str, run_id: str, path: str, destination: BinaryIO) -> RunFile:
        record, chunks = files.open_file(self._scope(workspace), run_id, path)
        for chunk in chunks:
            destination.write(chunk)
        return record

    # compute targets
    def list_compute_targets(self, workspace: str) -> list[ComputeTarget]:
        return compute.list_targets(self._scope(workspace))

    def get_compute_target(self, workspace: str, name: str) -> ComputeTarget:
        return compute.get_target(self._scope(workspace), name)

    def create_compute_target(self, workspace: str, data: ComputeTargetCreate) -> ComputeTarget:
        return compute.create_target(self._scope(workspace), data)

    def update_compute_target(self, workspace: str, name: str, data: ComputeTargetUpdate) -> ComputeTarget:
        return compute.update_target(self._scope(workspace), name, data)

    # snapshots
    def missing_blobs(self, workspace: str, digests: list[str]) -> list[str]:
        return snapshots.missing_blobs(self._scope(workspace), BlobDigests(digests=digests))

    def upload_blobs(self, workspace: str, files: list[tuple[str, Path]]) -> None:
        snapshots.upload_blobs(self._scope(workspace), ((digest, file_chunks(path)) for digest, path in files))

    def upload_files(self, workspace: str, paths: Iterable[str]) -> list[str]:
        return snapshots.upload_local_files(self._scope(workspace), paths)

    def create_snapshot(self, workspace: str, data: SnapshotCreate) -> Snapshot:
        return snapshots.create_snapshot(self._scope(workspace), data)

    def get_snapshot_manifest(self, workspace: str, snapshot_id: str) -> SnapshotManifest:
        return snapshots.get_manifest(self._scope(workspace), snapshot_id)

    def download_snapshot_file(self, workspace: str, snapshot_id: str, path: str, destination: BinaryIO) -> None:
        _, chunks = snapshots.open_snapshot_file(self._scope(workspace), snapshot_id, path)
        for chunk in chunks:
            destination.write(chunk)

    # submitted runs
    def submit_run(self, workspace: str, data: RunSubmit) -> Run:
        return submissions.submit_run(self._scope(workspace), data)

    def dispatch_runs(self, workspace: str) -> None:
        compute.tick(self._scope(workspace))

    def heartbeat(self, workspace: str, run_id: str, data: Heartbeat) -> HeartbeatReply:
        return compute.heartbeat(self._scope(workspace), run_id, data)

    def append_log(self, workspace: str, run_id: str, stream: str, data: LogAppend) -> int:
        return logs.append_log(self._scope(workspace), run_id, stream, data)

    def read_log(self, workspace: str, run_id: str, stream: str, offset: int = 0) -> LogChunk:
        return logs.read_log(self._scope(workspace), run_id, stream, offset)

    def list_log_streams(self, workspace: str, run_id: str) -> list[str]:
        return logs.list_log_streams(self._scope(workspace), run_id)

    # environments
    def register_environment(self, workspace: str, spec: EnvironmentSpec) -> EnvironmentVersion:
        return environments.register(self._scope(workspace), spec)

    def get_environment(self, workspace: str, name: str, version: int | None = None) -> EnvironmentVersion:
        return environments.get(self._scope(workspace), name, version)

    def list_environments(self, workspace: str) -> list[EnvironmentVersion]:
        scope, found, token = self._scope(workspace), [], None
        while True:
            page = environments.list_latest(scope, token, 1000)
            found.extend(page.items)
            token = page.next_page_token
            if not token:
                return found

    def list_environment_versions(self, workspace: str, name: str) -> list[EnvironmentVersion]:
        return environments.list_versions(self._scope(workspace), name)

    def build_environment(self, workspace: str, name: str, version: int | None = None) -> EnvironmentBuild:
        return environment_builds.build(self._scope(workspace), name, version)

    def list_environment_builds(self, workspace: str) -> list[EnvironmentBuild]:
        return environment_builds.list_builds(self._scope(workspace))

    def prune_environment_builds(self, workspace: str, unused_for_seconds: float) -> PruneResult:
        return environment_builds.prune(self._scope(workspace), unused_for_seconds)

    # identity and access: an embedded workspace has one user, who may do everything
    def whoami(self) -> WhoAmI:
        return users.whoami(self.stores, LOCAL)

    def create_user(self, data: UserCreate) -> User:
        return users.create_user(self.stores, LOCAL, data)

    def list_users(self) -> list[User]:
        return users.list_users(self.stores, LOCAL)

    def set_user_disabled(self, name: str, disabled: bool) -> User:
        return users.set_user_disabled(self.stores, LOCAL, name, disabled)

    def create_token(self, data: TokenCreate) -> TokenCreated:
        return users.create_token(self.stores, LOCAL, data)

    def list_tokens(self, user: str | None = None) -> list[TokenInfo]:
        return users.list_tokens(self.stores, LOCAL, user)

    def revoke_token(self, token_id: str) -> TokenInfo:
        return users.revoke_token(self.stores, LOCAL, token_id)

    def list_members(self, workspace: str) -> list[Member]:
        return users.list_members(self._scope(workspace))

    def set_member(self, workspace: str, data: MemberSet) -> Member:
        return users.set_member(self._scope(workspace), data)

    def remove_member(self, workspace: str, user: str) -> None:
        users.remove_member(self._scope(workspace), user)

    def list_audit(self, workspace: str, page_token: str | None = None, max_results: int = 100) -> AuditList:
        return audit.list_entries(self._scope(workspace), page_token, max_results)

    # key vault
    def set_secrets(self, workspace: str, data: SecretsSet) -> None:
        secrets.set_secrets(self._scope(workspace), data)

    def get_secrets(self, workspace: str, names: list[str]) -> list[SecretValue]:
        return secrets.get_secrets(self._scope(workspace), SecretNames(names=names))

    def list_secrets(self, workspace: str) -> list[SecretInfo]:
        return secrets.list_secrets(self._scope(workspace))

    def delete_secret(self, workspace: str, name: str) -> None:
        secrets.delete_secret(self._scope(workspace), name)

    # model registry
    def register_model(self, workspace: str, data: ModelCreate) -> Model:
        return models.register_model(self._scope(workspace), data)

    def get_model(self, workspace: str, name: str, version: int | None = None) -> Model:
        return models.get_model(self._scope(workspace), name, version)

    def list_models(self, workspace: str, query: ModelQuery) -> ModelList:
        return models.list_models(self._scope(workspace), query)

    def update_model(self, workspace: str, name: str, version: int, data: ModelUpdate) -> Model:
        return models.update_model(self._scope(workspace), name, version, data)

    def delete_model(self, workspace: str, name: str, version: int) -> None:
        models.delete_model(self._scope(workspace), name, version)

    def get_model_files(self, workspace: str, name: str, version: int) -> ModelFiles:
        return models.get_files(self._scope(workspace), name, version)

    def download_model_file(self, workspace: str, name: str, version: int, path: str, destination: BinaryIO) -> None:
        _, chunks = models.open_file(self._scope(workspace), name, version, path)
        for chunk in chunks:
            destination.write(chunk)

    # deployments
    def deploy(self, workspace: str, data: DeploymentCreate) -> Deployment:
        return deployments.deploy(self._scope(workspace), data)

    def get_deployment(self, workspace: str, name: str) -> Deployment:
        return deployments.get(self._scope(workspace), name)

    def list_deployments(self, workspace: str) -> list[Deployment]:
        return deployments.list_deployments(self._scope(workspace))

    def update_deployment(self, workspace: str, name: str, data: DeploymentUpdate) -> Deployment:
        return deployments.update(self._scope(workspace), name, data)

    def delete_deployment(self, workspace: str, name: str) -> None:
        deployments.delete(self._scope(workspace), name)

    def get_endpoint_keys(self, workspace: str, name: str) -> EndpointKeys:
        return deployments.get_keys(self._scope(workspace), name)

    def regen_endpoint_key(self, workspace: str, name: str, which: str) -> EndpointKeys:
        return deployments.regen_key(self._scope(workspace), name, which)

    def get_endpoint_logs(self, workspace: str, name: str) -> str:
        return deployments.get_logs(self._scope(workspace), name)

    def get_endpoint_telemetry(self, workspace: str, name: str) -> EndpointTelemetry:
        return deployments.telemetry(self._scope(workspace), name)


@lru_cache(maxsize=64)
def _open_cached(folder: str) -> Stores:
    return open_embedded(folder, create=False)


_create_lock = threading.Lock()


def _shared_stores(folder: str, create: bool) -> Stores:
    """One Stores (engine, blob store) per embedded folder per process."""
    if create:
        with _create_lock:
            open_embedded(folder, create=True).close()
    return _open_cached(folder)
