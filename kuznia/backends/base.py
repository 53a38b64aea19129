"""The Backend protocol: everything the SDK and CLI may ask of a workspace store.

Two implementations keep the same contract (one test suite runs on both):
``LocalBackend`` calls the services in-process (embedded workspaces) and
``HttpBackend`` calls the REST API of ``kuznia server``. Both raise the errors
of ``kuznia.errors``.
"""

from __future__ import annotations

from typing import BinaryIO, Protocol

from kuznia.entities.experiments import (
    Experiment,
    ExperimentCreate,
    ExperimentList,
    ExperimentQuery,
    ExperimentUpdate,
)
from kuznia.entities.files import RunFile, RunFileList
from kuznia.entities.metrics import (
    MetricBatch,
    MetricHistory,
    MetricHistoryQuery,
    MetricRecord,
    MetricRecordCreate,
    MetricSummary,
)
from kuznia.entities.runs import (
    PropertiesUpdate,
    Run,
    RunCreate,
    RunList,
    RunQuery,
    RunUpdate,
    TagsUpdate,
)
from kuznia.entities.workspaces import Workspace, WorkspaceCreate, WorkspaceList


class Backend(Protocol):
    #: where this backend points, for messages and config files
    location: dict[str, str]

    def close(self) -> None: ...

    # workspaces
    def create_workspace(self, data: WorkspaceCreate) -> Workspace: ...
    def get_workspace(self, name: str) -> Workspace: ...
    def list_workspaces(self, page_token: str | None = None, max_results: int = 100) -> WorkspaceList: ...

    # experiments
    def ensure_experiment(self, workspace: str, data: ExperimentCreate) -> Experiment: ...
    def get_experiment(self, workspace: str, name: str) -> Experiment: ...
    def list_experiments(self, workspace: str, query: ExperimentQuery) -> ExperimentList: ...
    def update_experiment(self, workspace: str, name: str, data: ExperimentUpdate) -> Experiment: ...

    # runs
    def create_run(self, workspace: str, data: RunCreate) -> Run: ...
    def get_run(self, workspace: str, run_id: str) -> Run: ...
    def update_run(self, workspace: str, run_id: str, data: RunUpdate) -> Run: ...
    def cancel_run(self, workspace: str, run_id: str) -> Run: ...
    def update_tags(self, workspace: str, run_id: str, data: TagsUpdate) -> Run: ...
    def add_properties(self, workspace: str, run_id: str, data: PropertiesUpdate) -> Run: ...
    def list_runs(self, workspace: str, query: RunQuery) -> RunList: ...
    def get_children(self, workspace: str, run_id: str, recursive: bool = False) -> list[Run]: ...

    # metrics
    def log_metrics(self, workspace: str, run_id: str, batch: MetricBatch) -> int: ...
    def log_record(self, workspace: str, run_id: str, record: MetricRecordCreate) -> None: ...
    def get_metric_summaries(self, workspace: str, run_id: str) -> list[MetricSummary]: ...
    def get_metric_history(self, workspace: str, run_id: str, query: MetricHistoryQuery) -> MetricHistory: ...
    def get_metric_records(self, workspace: str, run_id: str, name: str | None = None) -> list[MetricRecord]: ...

    # files
    def upload_file(
        self, workspace: str, run_id: str, path: str, source: BinaryIO, overwrite: bool = False
    ) -> RunFile: ...
    def list_files(
        self, workspace: str, run_id: str, prefix: str = "", page_token: str | None = None,
        max_results: int = 1000,
    ) -> RunFileList: ...
    def download_file(self, workspace: str, run_id: str, path: str, destination: BinaryIO) -> RunFile: ...
