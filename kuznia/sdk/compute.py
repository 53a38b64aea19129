"""Compute targets with Azure ML v1 names: ComputeTarget, LocalCompute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kuznia.entities import compute as entities
from kuznia.entities.common import parse

if TYPE_CHECKING:
    from kuznia.sdk.workspace import Workspace


class LocalCompute:
    """Processes on the machine that runs the workspace (the server host, or this one when embedded)."""

    @staticmethod
    def provisioning_configuration(**settings: Any) -> entities.ComputeSettings:
        """Settings of a local target, e.g. ``max_concurrent_runs=2``."""
        return parse(entities.ComputeSettings, settings)


class ComputeTarget:
    """``ComputeTarget(ws, "local")`` gets a target; ``ComputeTarget.create`` adds one."""

    def __init__(self, workspace: Workspace, name: str, _entity: entities.ComputeTarget | None = None) -> None:
        self.workspace = workspace
        self._entity = _entity or workspace._backend.get_compute_target(workspace.name, name)

    @property
    def name(self) -> str:
        return self._entity.name

    @property
    def type(self) -> str:
        return self._entity.kind.value

    @property
    def settings(self) -> entities.ComputeSettings:
        return self._entity.settings

    @property
    def max_concurrent_runs(self) -> int:
        return self._entity.settings.max_concurrent_runs

    def get_status(self) -> dict[str, int]:
        """Active and queued run counts, asked anew."""
        self._entity = self.workspace._backend.get_compute_target(self.workspace.name, self.name)
        return {"active_runs": self._entity.active_runs, "queued_runs": self._entity.queued_runs}

    def update(self, **settings: Any) -> None:
        """Change settings, e.g. ``target.update(max_concurrent_runs=4)``."""
        merged = self._entity.settings.model_dump() | settings
        self._entity = self.workspace._backend.update_compute_target(
            self.workspace.name, self.name,
            entities.ComputeTargetUpdate(settings=parse(entities.ComputeSettings, merged)),
        )

    @staticmethod
    def create(workspace: Workspace, name: str, provisioning_configuration: entities.ComputeSettings | None = None) -> ComputeTarget:
        """Add a local compute target with its own limits. Raises Conflict if the name is taken."""
        entity = workspace._backend.create_compute_target(
            workspace.name,
            entities.ComputeTargetCreate(name=name, settings=provisioning_configuration or entities.ComputeSettings()),
        )
        return ComputeTarget(workspace, name, _entity=entity)

    @staticmethod
    def list(workspace: Workspace) -> list[ComputeTarget]:
        return [ComputeTarget(workspace, t.name, _entity=t) for t in workspace._backend.list_compute_targets(workspace.name)]

    def __repr__(self) -> str:
        return f"ComputeTarget(name={self.name!r}, type={self.type!r})"
