"""Experiment: a named group of runs in a workspace."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kuznia.entities import experiments as entities
from kuznia.entities.runs import RunCreate, RunQuery, RunStatus

if TYPE_CHECKING:
    from kuznia.sdk.run import Run
    from kuznia.sdk.workspace import Workspace

ViewType = entities.ViewType


class Experiment:
    """``Experiment(workspace, name)`` gets the experiment, creating it on first use."""

    def __init__(self, workspace: Workspace, name: str, _entity: entities.Experiment | None = None) -> None:
        self.workspace = workspace
        self._entity = _entity or workspace._backend.ensure_experiment(
            workspace.name, entities.ExperimentCreate(name=name)
        )

    @property
    def name(self) -> str:
        return self._entity.name

    @property
    def id(self) -> str:
        return self._entity.id

    @property
    def archived_time(self) -> Any:
        return self._entity.archived_at

    @property
    def _backend(self):  # noqa: ANN202
        return self.workspace._backend

    def refresh(self) -> Experiment:
        self._entity = self._backend.get_experiment(self.workspace.name, self.name)
        return self

    # runs ------------------------------------------------------------------------
    def start_logging(
        self,
        *args: Any,
        display_name: str | None = None,
        description: str = "",
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
        outputs: str | os.PathLike[str] | None = None,
        run_id: str | None = None,
        **kwargs: Any,
    ) -> Run:
        """Start an interactive run (status Running). Use it as a context manager to
        complete it on success and fail it on an exception. With ``outputs``, the files
        in that folder are uploaded under ``outputs/`` when the run completes."""
        from kuznia.sdk.run import Run

        entity = self._backend.create_run(
            self.workspace.name,
            RunCreate(
                experiment_name=self.name,
                run_id=run_id,
                display_name=display_name,
                description=description,
                tags=_as_strings(tags),
                properties=_as_strings(properties),
                status=RunStatus.RUNNING,
            ),
        )
        return Run._wrap(self, entity, outputs=outputs)

    def submit(self, config: Any, tags: dict[str, Any] | None = None, **kwargs: Any) -> Run:
        """Submit a ScriptRunConfig: the source folder is snapshotted and the run queued
        on its compute target. Returns the Run at once (status Queued).

        Raises InvalidInput (and creates nothing) for a missing script or folder, a
        script outside the folder, an unknown compute target or an over-limit folder.
        """
        from kuznia.sdk.submit import submit

        return submit(self, config, tags=tags, display_name=kwargs.get("display_name"),
                      description=kwargs.get("description", ""))

    def get_runs(
        self,
        type: str | None = None,
        tags: str | dict[str, str | None] | None = None,
        properties: str | dict[str, str | None] | None = None,
        include_children: bool = False,
        filter: str | None = None,
        order_by: list[str] | str | None = None,
        status: str | list[str] | None = None,
        max_results: int | None = None,
    ) -> Iterator[Run]:
        """Runs of this experiment, newest first (a generator that pages lazily)."""
        from kuznia.sdk.run import Run

        return Run.list(
            self, type=type, tags=tags, properties=properties, include_children=include_children,
            filter=filter, order_by=order_by, status=status, max_results=max_results,
        )

    def _search(self, query: RunQuery):  # noqa: ANN202
        return self._backend.list_runs(self.workspace.name, query)

    # archive ---------------------------------------------------------------------
    def archive(self) -> None:
        """Hide the experiment from default lists; its runs stay readable."""
        self._entity = self._backend.update_experiment(
            self.workspace.name, self.name, entities.ExperimentUpdate(archived=True)
        )

    def reactivate(self) -> None:
        """Restore an archived experiment."""
        self._entity = self._backend.update_experiment(
            self.workspace.name, self.name, entities.ExperimentUpdate(archived=False)
        )

    restore = reactivate

    @staticmethod
    def list(
        workspace: Workspace,
        experiment_name: str | None = None,
        view_type: ViewType | str = ViewType.ACTIVE_ONLY,
    ) -> list[Experiment]:
        """Experiments of a workspace; ``view_type`` is ActiveOnly, ArchivedOnly or All."""
        found: list[Experiment] = []
        token = None
        while True:
            page = workspace._list_experiments(
                entities.ExperimentQuery(
                    view_type=ViewType(view_type), name=experiment_name, page_token=token
                )
            )
            found.extend(Experiment(workspace, e.name, _entity=e) for e in page.items)
            token = page.next_page_token
            if not token:
                return found

    def __repr__(self) -> str:
        return f"Experiment(workspace={self.workspace.name!r}, name={self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Experiment) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


def _as_strings(values: dict[str, Any] | None) -> dict[str, str]:
    """v1 accepted any value for tags and properties and stored its text."""
    return {str(k): "" if v is None else str(v) for k, v in (values or {}).items()}
