"""Workspace: the top-level resource. Embedded (a folder) or on a server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuznia.backends.base import Backend
from kuznia.entities import workspaces as entities
from kuznia.entities.experiments import ExperimentQuery
from kuznia.errors import Conflict
from kuznia.sdk import config

if TYPE_CHECKING:
    from kuznia.sdk.experiment import Experiment


class Workspace:
    """A workspace: owns experiments and their runs (and, as they land, models, datasets, …).

    Get one with ``Workspace.get(name, path=...)`` (embedded), ``Workspace.get(name,
    server="http://…")`` or ``Workspace.from_config()``.
    """

    def __init__(
        self,
        workspace_name: str,
        path: str | os.PathLike[str] | None = None,
        server: str | None = None,
        token: str | None = None,
        _backend: Backend | None = None,
    ) -> None:
        self._backend = _backend or config.connect(path=path, server=server, token=token)
        self._entity = self._backend.get_workspace(workspace_name)

    @classmethod
    def _wrap(cls, backend: Backend, entity: entities.Workspace) -> Workspace:
        ws = cls.__new__(cls)
        ws._backend = backend
        ws._entity = entity
        return ws

    # constructors --------------------------------------------------------------
    @classmethod
    def create(
        cls,
        name: str,
        path: str | os.PathLike[str] | None = None,
        server: str | None = None,
        description: str = "",
        exist_ok: bool = False,
        token: str | None = None,
    ) -> Workspace:
        """Create a workspace: embedded in folder ``path`` (made if missing; default
        ``~/.kuznia/local``) or on ``server``. With ``exist_ok`` an existing one is returned.
        Raises Conflict when it exists and ``exist_ok`` is false."""
        backend = config.connect(path=path, server=server, token=token, create=True)
        try:
            entity = backend.create_workspace(entities.WorkspaceCreate(name=name, description=description))
        except Conflict:
            if not exist_ok:
                raise
            entity = backend.get_workspace(name)
        return cls._wrap(backend, entity)

    @classmethod
    def get(
        cls,
        name: str,
        path: str | os.PathLike[str] | None = None,
        server: str | None = None,
        token: str | None = None,
    ) -> Workspace:
        """An existing workspace. Raises NotFound."""
        return cls(name, path=path, server=server, token=token)

    @classmethod
    def list(
        cls, path: str | os.PathLike[str] | None = None, server: str | None = None, token: str | None = None
    ) -> dict[str, Workspace]:
        """All workspaces of a store or server, by name."""
        backend = config.connect(path=path, server=server, token=token)
        found: dict[str, Workspace] = {}
        token_ = None
        while True:
            page = backend.list_workspaces(page_token=token_, max_results=1000)
            for item in page.items:
                found[item.name] = cls._wrap(backend, item)
            token_ = page.next_page_token
            if not token_:
                return found

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None, token: str | None = None) -> Workspace:
        """The workspace named in ``.kuznia/config.json`` (``path``, or searched upward from here)."""
        data = config.read_config(config.find_config(path))
        return cls(data["workspace_name"], path=data.get("path"), server=data.get("server"), token=token)

    def write_config(self, path: str | os.PathLike[str] | None = None, file_name: str | None = None) -> Path:
        """Save this workspace to ``<path>/.kuznia/<file_name>`` (default: ./.kuznia/config.json)."""
        folder = Path(path) if path is not None else Path.cwd()
        file = folder / config.CONFIG_DIR / (file_name or config.CONFIG_FILE)
        return config.write_config(file, self.name, self._backend.location)

    # attributes ----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._entity.name

    @property
    def id(self) -> str:
        return self._entity.id

    @property
    def location(self) -> dict[str, str]:
        """``{"path": folder}`` for an embedded workspace, ``{"server": url}`` otherwise."""
        return dict(self._backend.location)

    @property
    def experiments(self) -> dict[str, Experiment]:
        """Active experiments by name."""
        from kuznia.sdk.experiment import Experiment

        return {e.name: e for e in Experiment.list(self)}

    def get_default_keyvault(self) -> Any:
        """The workspace's key vault (encrypted secrets)."""
        from kuznia.sdk.keyvault import Keyvault

        return Keyvault(self)

    @property
    def compute_targets(self) -> dict[str, Any]:
        """Compute targets by name (``local`` always exists)."""
        from kuznia.sdk.compute import ComputeTarget

        return {t.name: t for t in ComputeTarget.list(self)}

    def get_default_compute_target(self) -> Any:
        from kuznia.sdk.compute import ComputeTarget

        return ComputeTarget(self, "local")

    def get_details(self) -> dict[str, Any]:
        return {**self._entity.model_dump(mode="json"), **self.location}

    def _list_experiments(self, query: ExperimentQuery):  # noqa: ANN202
        return self._backend.list_experiments(self.name, query)

    def __repr__(self) -> str:
        where = self._backend.location.get("path") or self._backend.location.get("server")
        return f"Workspace(name={self.name!r}, location={where!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workspace) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)
