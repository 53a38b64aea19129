"""Model: the registry with Azure ML v1 names (register, list, download, get_model_path)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuznia.blobs.snapshots import hash_file
from kuznia.entities import models as entities
from kuznia.entities.common import parse
from kuznia.entities.paths import check_relative_path
from kuznia.entities.snapshots import ManifestEntry
from kuznia.errors import Conflict, InvalidInput, NotFound
from kuznia.sdk.run_files import iter_folder

if TYPE_CHECKING:
    from kuznia.sdk.workspace import Workspace


class Model:
    """A registered model version. ``Model(ws, "iris")`` is the latest version;
    ``Model(ws, "iris", version=2)`` or ``Model(ws, id="iris:2")`` a given one."""

    def __init__(self, workspace: Workspace, name: str | None = None, id: str | None = None,
                 version: int | None = None, _entity: entities.Model | None = None, **_: Any) -> None:
        self.workspace = workspace
        if _entity is None:
            if id is not None:
                name, _colon, number = str(id).partition(":")
                version = int(number) if number else version
            if not name:
                raise InvalidInput("name: which model? e.g. Model(ws, 'iris') or Model(ws, id='iris:2')")
            _entity = workspace._backend.get_model(workspace.name, name, version)
        self._entity = _entity

    # attributes -------------------------------------------------------------------------
    name = property(lambda self: self._entity.name)
    version = property(lambda self: self._entity.version)
    id = property(lambda self: self._entity.id)
    description = property(lambda self: self._entity.description)
    tags = property(lambda self: dict(self._entity.tags))
    properties = property(lambda self: dict(self._entity.properties))
    model_framework = property(lambda self: self._entity.model_framework)
    model_framework_version = property(lambda self: self._entity.model_framework_version)
    run_id = property(lambda self: self._entity.run_id)
    experiment_name = property(lambda self: self._entity.experiment_name)

    @property
    def created_time(self) -> datetime:
        return self._entity.created_at

    # registering ------------------------------------------------------------------------
    @staticmethod
    def register(workspace: Workspace, model_path: str | os.PathLike[str], model_name: str,
                 tags: dict[str, Any] | None = None, properties: dict[str, Any] | None = None,
                 description: str | None = None, datasets: list[str] | None = None,
                 model_framework: str | None = None, model_framework_version: str | None = None,
                 **_: Any) -> Model:
        """Register a local file or folder as the next version of ``model_name``.
        Files the workspace already holds are not uploaded again."""
        source = Path(model_path)
        if not source.exists():
            raise InvalidInput(f"model_path: {source} does not exist")
        root = source.resolve().name
        if source.is_file():
            files = [(root, source)]
        else:
            files = [(f"{root}/{rel}", path) for rel, path in iter_folder(source)]
            if not files:
                raise InvalidInput(f"model_path: {source} is an empty folder")
        entries = []
        for rel, path in files:
            check_relative_path(rel, "model file")
            entries.append(ManifestEntry.model_construct(path=rel, digest=hash_file(path), size=path.stat().st_size,
                                                         mode=path.stat().st_mode & 0o777))
        backend = workspace._backend
        missing = set(backend.missing_blobs(workspace.name, [e.digest for e in entries]))
        if missing:
            upload = {e.digest: path for e, (_, path) in zip(entries, files, strict=True) if e.digest in missing}
            backend.upload_blobs(workspace.name, list(upload.items()))
        data = _create(model_name, tags, properties, description, datasets, model_framework,
                       model_framework_version, entries=entries)
        return Model(workspace, _entity=backend.register_model(workspace.name, data))

    @staticmethod
    def _register_from_run(workspace: Workspace, run_id: str, model_name: str, model_path: str,
                           **kwargs: Any) -> Model:
        data = _create(model_name, run_id=run_id, run_path=model_path, **kwargs)
        return Model(workspace, _entity=workspace._backend.register_model(workspace.name, data))

    # listing ----------------------------------------------------------------------------
    @staticmethod
    def list(workspace: Workspace, name: str | None = None, tags: Any = None, properties: Any = None,
             run_id: str | None = None, latest: bool = False, **_: Any) -> list[Model]:
        """Models of the workspace, newest version first per name; ``latest`` keeps one per name.
        ``tags`` may be a dict, a list of names, or a list of [name, value] pairs (v1)."""
        found: list[Model] = []
        token = None
        while True:
            query = parse(entities.ModelQuery, {
                "name": name, "tags": _as_filter(tags), "properties": _as_filter(properties),
                "run_id": run_id, "latest": latest, "max_results": 1000, "page_token": token,
            })
            page = workspace._backend.list_models(workspace.name, query)
            found.extend(Model(workspace, _entity=m) for m in page.items)
            token = page.next_page_token
            if not token:
                return found

    # changing ---------------------------------------------------------------------------
    def _update(self, **changes: Any) -> None:  # noqa: D401
        self._entity = self.workspace._backend.update_model(
            self.workspace.name, self.name, self.version, parse(entities.ModelUpdate, changes))

    def add_tags(self, tags: dict[str, Any]) -> None:
        self._update(set_tags={str(k): "" if v is None else str(v) for k, v in tags.items()})

    def remove_tags(self, tags: Sequence[str] | str) -> None:
        self._update(remove_tags=[tags] if isinstance(tags, str) else list(tags))

    def add_properties(self, properties: dict[str, Any]) -> None:
        """Write-once: changing an existing property raises Conflict."""
        self._update(add_properties={str(k): str(v) for k, v in properties.items()})

    def update(self, description: str | None = None, **_: Any) -> None:
        if description is not None:
            self._update(description=description)

    def delete(self) -> None:
        """Delete this version (refused while a deployment uses it)."""
        self.workspace._backend.delete_model(self.workspace.name, self.name, self.version)

    # files --------------------------------------------------------------------------------
    def download(self, target_dir: str | os.PathLike[str] = ".", exist_ok: bool = False, **_: Any) -> str:
        """Write the model's file or folder into ``target_dir``; returns its path."""
        folder = Path(target_dir)
        destination = folder / self._entity.root
        if destination.exists():
            if not exist_ok:
                raise Conflict(f"{destination} exists; pass exist_ok=True to replace it")
            shutil.rmtree(destination) if destination.is_dir() else destination.unlink()
        files = self.workspace._backend.get_model_files(self.workspace.name, self.name, self.version)
        staging = folder / f".{self._entity.root}.{uuid.uuid4().hex[:8]}.part"
        try:
            for entry in files.entries:
                target = staging / check_relative_path(entry.path, "model file")
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as out:
                    self.workspace._backend.download_model_file(self.workspace.name, self.name, self.version,
                                                                entry.path, out)
                os.chmod(target, entry.mode & 0o777)
            os.replace(staging / self._entity.root, destination)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return str(destination)

    @staticmethod
    def get_model_path(model_name: str, version: int | None = None, _workspace: Workspace | None = None) -> str:
        """Where a model's file or folder is: inside a deployment, its mounted copy; inside a
        run (or with ``_workspace``), a copy downloaded into ./models/<name>/<version>/."""
        mounted = os.environ.get("KUZNIA_MODEL_DIR") or os.environ.get("AZUREML_MODEL_DIR")
        if mounted:
            base = Path(mounted) / model_name
            if base.is_dir():
                versions = sorted((int(p.name) for p in base.iterdir() if p.name.isdigit()), reverse=True)
                chosen = version if version is not None else (versions[0] if versions else None)
                if chosen is not None and (base / str(chosen)).is_dir():
                    (root,) = list((base / str(chosen)).iterdir())
                    return str(root)
        workspace = _workspace
        if workspace is None:
            from kuznia.sdk.context import run_from_environment

            run = run_from_environment(allow_offline=True)
            workspace = getattr(run, "workspace", None)
            if workspace is None:
                raise NotFound(f"model {model_name!r}: not in a deployment or a run; pass _workspace=ws")
        model = Model(workspace, model_name, version=version)
        target = Path("models") / model.name / str(model.version)
        existing = target / model._entity.root
        if existing.exists():
            return str(existing)
        target.mkdir(parents=True, exist_ok=True)
        return model.download(target, exist_ok=True)

    @staticmethod
    def deploy(workspace: Workspace, name: str, models: Sequence[Model | str], inference_config: Any,
               deployment_config: Any = None, deployment_target: Any = None, overwrite: bool = False,
               **_: Any) -> Any:
        """Deploy ``models`` with a scoring script as a web service; returns the Webservice
        at once (call ``wait_for_deployment``)."""
        from kuznia.sdk.webservice import deploy

        return deploy(workspace, name, models, inference_config, deployment_config, overwrite)

    def __repr__(self) -> str:
        return f"Model(name={self.name!r}, version={self.version})"


def _create(model_name: str, tags: dict[str, Any] | None = None, properties: dict[str, Any] | None = None,
            description: str | None = None, datasets: list[str] | None = None, model_framework: str | None = None,
            model_framework_version: str | None = None, **source: Any) -> entities.ModelCreate:
    return parse(entities.ModelCreate, {
        "name": model_name,
        "tags": {str(k): "" if v is None else str(v) for k, v in (tags or {}).items()},
        "properties": {str(k): str(v) for k, v in (properties or {}).items()},
        "description": description or "",
        "datasets": [str(d) for d in datasets or []],
        "model_framework": model_framework,
        "model_framework_version": model_framework_version,
        **source,
    })


def _as_filter(values: Any) -> dict[str, str | None]:
    if values is None:
        return {}
    if isinstance(values, dict):
        return {str(k): None if v is None else str(v) for k, v in values.items()}
    if isinstance(values, str):
        return {values: None}
    result: dict[str, str | None] = {}
    for item in values:
        if isinstance(item, (list, tuple)):
            result[str(item[0])] = str(item[1]) if len(item) > 1 else None
        else:
            result[str(item)] = None
    return result
