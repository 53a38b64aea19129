"""Run: one execution — its status, tags, properties, children, metrics and files."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuznia.entities import runs as entities
from kuznia.entities.common import check_key, parse
from kuznia.entities.runs import ErrorDetails, RunCreate, RunQuery, RunStatus, RunUpdate, TagsUpdate
from kuznia.errors import InvalidInput
from kuznia.sdk.metric_buffer import MetricBuffer
from kuznia.sdk.run_execution import RunExecutionMixin
from kuznia.sdk.run_files import RunFilesMixin
from kuznia.sdk.run_metrics import RunMetricsMixin

if TYPE_CHECKING:
    from kuznia.sdk.experiment import Experiment
    from kuznia.sdk.workspace import Workspace


class Run(RunMetricsMixin, RunFilesMixin, RunExecutionMixin):
    """A run. ``Run(experiment, run_id)`` fetches one; ``Run.get_context()`` is the run a
    script was submitted as (or an offline run that just prints)."""

    def __init__(self, experiment: Experiment, run_id: str, outputs: str | os.PathLike[str] | None = None, **_: Any) -> None:
        entity = experiment._backend.get_run(experiment.workspace.name, run_id)
        self._setup(experiment.workspace, entity, outputs, experiment)

    @classmethod
    def _wrap(cls, experiment: Experiment, entity: entities.Run, outputs: Any = None) -> Run:
        run = cls.__new__(cls)
        run._setup(experiment.workspace, entity, outputs, experiment)
        return run

    @classmethod
    def _from_entity(cls, workspace: Workspace, entity: entities.Run) -> Run:
        run = cls.__new__(cls)
        run._setup(workspace, entity, None, None)
        return run

    def _setup(self, workspace: Workspace, entity: entities.Run, outputs: Any, experiment: Experiment | None) -> None:
        self.workspace = workspace
        self._backend = workspace._backend
        self._workspace_name = workspace.name
        self._entity = entity
        self._experiment = experiment
        self._outputs = Path(outputs) if outputs is not None else None
        self._buffer: MetricBuffer | None = None
        self.id = entity.id

    @classmethod
    def get(cls, workspace: Workspace, run_id: str) -> Run:
        """A run of the workspace by id. Raises NotFound."""
        return cls._from_entity(workspace, workspace._backend.get_run(workspace.name, run_id))

    @classmethod
    def get_context(cls, allow_offline: bool = True, **_: Any) -> Any:
        """The run this process was submitted as; outside one, an offline run that prints
        what is logged and never fails (so ``python train.py`` still works)."""
        from kuznia.sdk.context import run_from_environment

        return run_from_environment(allow_offline=allow_offline)

    # attributes ----------------------------------------------------------------
    @property
    def experiment(self) -> Experiment:
        if self._experiment is None:
            from kuznia.sdk.experiment import Experiment

            self._experiment = Experiment(
                self.workspace,
                self._entity.experiment_name,
                _entity=self._backend.get_experiment(self._workspace_name, self._entity.experiment_name),
            )
        return self._experiment

    @property
    def number(self) -> int:
        return self._entity.number

    @property
    def display_name(self) -> str:
        return self._entity.display_name

    @display_name.setter
    def display_name(self, value: str) -> None:
        self._update(RunUpdate(display_name=value))

    name = display_name

    @property
    def description(self) -> str:
        return self._entity.description

    @description.setter
    def description(self, value: str) -> None:
        self._update(RunUpdate(description=value))

    @property
    def status(self) -> str:
        """Status as last seen by this object; ``get_status()`` asks again."""
        return self._entity.status.value

    @property
    def type(self) -> str:
        return self._entity.run_type

    @property
    def tags(self) -> dict[str, str]:
        return dict(self._entity.tags)

    @property
    def properties(self) -> dict[str, str]:
        return dict(self._entity.properties)

    @property
    def parent(self) -> Run | None:
        parent_id = self._entity.parent_run_id
        return None if parent_id is None else Run.get(self.workspace, parent_id)

    def refresh(self) -> Run:
        self._entity = self._backend.get_run(self._workspace_name, self.id)
        return self

    def get_status(self) -> str:
        return self.refresh().status

    def get_details(self) -> dict[str, Any]:
        """The run as a dict (Azure ML v1 keys such as runId and startTimeUtc, plus ours)."""
        e = self.refresh()._entity
        details = e.model_dump(mode="json")
        details.update(
            runId=e.id,
            status=e.status.value,
            startTimeUtc=details["start_time"],
            endTimeUtc=details["end_time"],
            target="local",
        )
        return details

    def _update(self, data: RunUpdate) -> None:
        self._entity = self._backend.update_run(self._workspace_name, self.id, data)

    # tags and properties -------------------------------------------------------
    def tag(self, key: str, value: Any = None) -> None:
        """Set one tag (value defaults to the empty string)."""
        self.set_tags({key: value})

    def set_tags(self, tags: dict[str, Any]) -> None:
        if not isinstance(tags, dict):
            raise InvalidInput("tags: must be a dict of name -> value")
        values = {check_key("tag name", k): "" if v is None else str(v) for k, v in tags.items()}
        self._entity = self._backend.update_tags(self._workspace_name, self.id, TagsUpdate(set=values))

    def remove_tags(self, tags: str | list[str]) -> None:
        keys = [tags] if isinstance(tags, str) else list(tags)
        self._entity = self._backend.update_tags(self._workspace_name, self.id, TagsUpdate(remove=keys))

    def get_tags(self) -> dict[str, str]:
        return self.refresh().tags

    def add_properties(self, properties: dict[str, Any]) -> None:
        """Add write-once properties; changing an existing one raises Conflict."""
        if not isinstance(properties, dict):
            raise InvalidInput("properties: must be a dict of name -> value")
        values = {check_key("property name", k): "" if v is None else str(v) for k, v in properties.items()}
        self._entity = self._backend.add_properties(
            self._workspace_name, self.id, entities.PropertiesUpdate(properties=values)
        )

    def get_properties(self) -> dict[str, str]:
        return self.refresh().properties

    # lifecycle -----------------------------------------------------------------
    @property
    def _is_submitted_context(self) -> bool:
        """This process is the script of this submitted run: its bootstrap owns the status."""
        return self._entity.compute_target is not None and os.environ.get("KUZNIA_RUN_ID") == self.id

    def complete(self, _set_status: bool = True) -> None:
        """Flush metrics, upload the outputs folder (if one was given) and mark Completed.
        Inside a submitted script this only flushes: the run completes when the script ends."""
        self.flush()
        if self._outputs is not None and self._outputs.is_dir():
            self.upload_folder("outputs", self._outputs, overwrite=True)
        if _set_status and not self._is_submitted_context:
            self._update(RunUpdate(status=RunStatus.COMPLETED))

    def fail(self, error_details: str | BaseException | None = None, error_code: str | None = None,
             _set_status: bool = True) -> None:
        """Mark the run Failed with a message (or an exception and its traceback)."""
        try:
            self.flush()
        finally:
            if isinstance(error_details, BaseException):
                message = f"{type(error_details).__name__}: {error_details}"
                trace = "".join(traceback.format_exception(error_details))
            else:
                message, trace = (error_details or "the run failed"), None  # type: ignore[assignment]
            error = ErrorDetails(message=message[:5000], code=error_code, traceback=trace)
            self._update(RunUpdate(status=RunStatus.FAILED if _set_status else None, error=error))

    def cancel(self) -> None:
        """Cancel the run: interactive runs end Canceled; submitted runs are stopped by their compute."""
        try:
            self.flush()
        finally:
            self._entity = self._backend.cancel_run(self._workspace_name, self.id)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            self.complete()
        elif isinstance(exc, KeyboardInterrupt):
            self.cancel()
        else:
            self.fail(exc)

    # models --------------------------------------------------------------------
    def register_model(self, model_name: str, model_path: str = "outputs", tags: dict[str, Any] | None = None,
                       properties: dict[str, Any] | None = None, model_framework: str | None = None,
                       model_framework_version: str | None = None, description: str | None = None,
                       datasets: list[str] | None = None, **_: Any) -> Any:
        """Register a file or folder of this run's files (e.g. ``outputs/model.pkl``) as the next
        version of ``model_name``, with lineage to this run. Inside a submitted script a local
        ``model_path`` not uploaded yet is uploaded first."""
        from kuznia.sdk.model import Model

        local = Path(model_path)
        if self._is_submitted_context and local.exists():
            if local.is_file():
                self.upload_file(model_path, local, overwrite=True)
            else:
                self.upload_folder(model_path, local, overwrite=True)
        return Model._register_from_run(
            self.workspace, self.id, model_name, model_path, tags=tags, properties=properties,
            model_framework=model_framework, model_framework_version=model_framework_version,
            description=description, datasets=datasets)

    # secrets -------------------------------------------------------------------
    def get_secret(self, name: str) -> str:
        """A secret of the workspace's key vault (inside a run: allowed by its run token)."""
        return self.workspace.get_default_keyvault().get_secret(name)

    def get_secrets(self, secrets: list[str]) -> dict[str, str]:
        return self.workspace.get_default_keyvault().get_secrets(secrets)

    # children ------------------------------------------------------------------
    def child_run(self, name: str | None = None, run_id: str | None = None,
                  outputs: str | os.PathLike[str] | None = None) -> Run:
        """Start a child run (status Running) in the same experiment."""
        entity = self._backend.create_run(
            self._workspace_name,
            RunCreate(
                experiment_name=self._entity.experiment_name,
                run_id=run_id,
                display_name=name,
                parent_run_id=self.id,
                status=RunStatus.RUNNING,
            ),
        )
        child = Run._from_entity(self.workspace, entity)
        child._experiment = self._experiment
        child._outputs = Path(outputs) if outputs is not None else None
        return child

    def create_children(self, count: int | None = None, tag_key: str | None = None,
                        tag_values: list[str] | None = None) -> list[Run]:
        """Start ``count`` children, or one per value of ``tag_values`` tagged ``tag_key``."""
        if tag_values is not None:
            if tag_key is None:
                raise InvalidInput("tag_key: needed with tag_values")
            children = []
            for value in tag_values:
                child = self.child_run()
                child.tag(tag_key, value)
                children.append(child)
            return children
        if count is None or not isinstance(count, int) or count < 1 or count > 10_000:
            raise InvalidInput("count: give a whole number of children from 1 to 10000")
        return [self.child_run() for _ in range(count)]

    def get_children(self, recursive: bool = False, tags: Any = None, properties: Any = None,
                     type: str | None = None, status: str | None = None, **_: Any) -> list[Run]:
        """Child runs in creation order (all descendants with ``recursive``), optionally filtered."""
        found = self._backend.get_children(self._workspace_name, self.id, recursive)
        result = []
        for entity in found:
            if type is not None and entity.run_type != type:
                continue
            if status is not None and entity.status.value != status:
                continue
            if not _matches(entity.tags, tags) or not _matches(entity.properties, properties):
                continue
            result.append(Run._from_entity(self.workspace, entity))
        return result

    # listing -------------------------------------------------------------------
    @staticmethod
    def list(
        experiment: Experiment,
        type: str | None = None,
        tags: str | dict[str, str | None] | None = None,
        properties: str | dict[str, str | None] | None = None,
        status: str | list[str] | None = None,
        include_children: bool = False,
        filter: str | None = None,
        order_by: list[str] | str | None = None,
        max_results: int | None = None,
        **_: Any,
    ) -> Iterator[Run]:
        """Runs of an experiment, newest first unless ``order_by`` says otherwise.

        ``filter`` uses the filter language, e.g. ``"metrics.accuracy > 0.9 and tags.team = 'a'"``.
        """
        statuses = [status] if isinstance(status, str) else list(status or [])
        query = {
            "experiment_name": experiment.name,
            "filter": filter,
            "order_by": [order_by] if isinstance(order_by, str) else list(order_by or []),
            "statuses": statuses,
            "tags": _as_filter(tags),
            "properties": _as_filter(properties),
            "run_type": type,
            "include_children": include_children,
        }
        remaining = max_results
        token = None
        while True:
            page_size = 500 if remaining is None else max(1, min(500, remaining))
            page = experiment._search(parse(RunQuery, {**query, "max_results": page_size, "page_token": token}))
            for entity in page.items:
                yield Run._wrap(experiment, entity)
            if remaining is not None:
                remaining -= len(page.items)
                if remaining <= 0:
                    return
            token = page.next_page_token
            if not token:
                return

    def get_portal_url(self) -> str:
        """Where the run is shown in Studio."""
        location = self._backend.location
        base = location.get("server", "http://127.0.0.1:8766")  # embedded: `kuznia studio`'s default port
        return f"{base}/workspaces/{self._workspace_name}/runs/{self.id}"

    def __repr__(self) -> str:
        return f"Run(experiment={self._entity.experiment_name!r}, id={self.id!r}, status={self.status!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Run) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


def _as_filter(values: str | dict[str, Any] | None) -> dict[str, str | None]:
    if values is None:
        return {}
    if isinstance(values, str):
        return {values: None}
    return {str(k): None if v is None else str(v) for k, v in values.items()}


def _matches(actual: dict[str, str], wanted: Any) -> bool:
    for key, value in _as_filter(wanted).items():
        if key not in actual or (value is not None and actual[key] != value):
            return False
    return True
