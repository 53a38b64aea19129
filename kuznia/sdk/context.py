"""``Run.get_context()``: the submitted run from the environment, or an offline stand-in.

A submitted script gets ``KUZNIA_RUN_ID``, ``KUZNIA_WORKSPACE``,
``KUZNIA_TRACKING_URI`` (``http(s)://…`` for a server, a folder or
``file://`` URI for an embedded store) and ``KUZNIA_RUN_TOKEN``.
"""

from __future__ import annotations

import os
import sys
import uuid
from typing import Any
from urllib.parse import unquote, urlparse

from kuznia.errors import InvalidInput

_CURRENT: dict[str, Any] = {}


def run_from_environment(allow_offline: bool = True) -> Any:
    run_id = os.environ.get("KUZNIA_RUN_ID")
    if not run_id:
        if not allow_offline:
            raise InvalidInput("not inside a submitted run (KUZNIA_RUN_ID is not set) and allow_offline=False")
        return _CURRENT.setdefault("offline", OfflineRun())
    cached = _CURRENT.get(run_id)
    if cached is not None:
        return cached
    from kuznia.sdk.run import Run
    from kuznia.sdk.workspace import Workspace

    uri = os.environ.get("KUZNIA_TRACKING_URI", "")
    workspace_name = os.environ.get("KUZNIA_WORKSPACE", "")
    token = os.environ.get("KUZNIA_RUN_TOKEN") or None
    if uri.startswith(("http://", "https://")):
        ws = Workspace.get(workspace_name, server=uri, token=token)
    else:
        path = unquote(urlparse(uri).path) if uri.startswith("file:") else uri
        ws = Workspace.get(workspace_name, path=path or None)
    run = Run.get(ws, run_id)
    _CURRENT[run_id] = run
    return run


class OfflineRun:
    """Stands in for a run outside Kuźnia: prints what is logged, keeps metrics in memory,
    and never fails, so the same script runs with plain ``python train.py``."""

    def __init__(self) -> None:
        self.id = f"OfflineRun_{uuid.uuid4()}"
        self.display_name = self.id
        self.number = 0
        self.status = "Running"
        self.experiment = None
        self.parent = None
        self._metrics: dict[str, list[Any]] = {}
        self._tags: dict[str, str] = {}
        self._properties: dict[str, str] = {}

    def _say(self, text: str) -> None:
        print(f"[offline run] {text}", file=sys.stderr)

    def log(self, name: str, value: Any, description: str = "", step: int | None = None) -> None:
        self._metrics.setdefault(name, []).append(value)
        self._say(f"{name} = {value}" + (f" (step {step})" if step is not None else ""))

    def log_list(self, name: str, value: list[Any], description: str = "") -> None:
        for item in value:
            self.log(name, item)

    def log_row(self, name: str, description: str | None = None, **kwargs: Any) -> None:
        self._metrics.setdefault(name, []).append(kwargs)
        self._say(f"{name} row {kwargs}")

    def log_table(self, name: str, value: dict[str, Any], description: str = "") -> None:
        self._metrics[name] = [value]
        self._say(f"{name} table with columns {list(value)}")

    def get_metrics(self, name: str | None = None, recursive: bool = False) -> dict[str, Any]:
        out = {k: (v[0] if len(v) == 1 else list(v)) for k, v in self._metrics.items()}
        return {name: out[name]} if name is not None and name in out else ({} if name else out)

    def tag(self, key: str, value: Any = None) -> None:
        self._tags[key] = "" if value is None else str(value)

    def set_tags(self, tags: dict[str, Any]) -> None:
        for k, v in tags.items():
            self.tag(k, v)

    def get_tags(self) -> dict[str, str]:
        return dict(self._tags)

    def add_properties(self, properties: dict[str, Any]) -> None:
        self._properties.update({k: str(v) for k, v in properties.items()})

    def get_properties(self) -> dict[str, str]:
        return dict(self._properties)

    def child_run(self, name: str | None = None, **_: Any) -> OfflineRun:
        return OfflineRun()

    def get_status(self) -> str:
        return self.status

    def complete(self, *_: Any, **__: Any) -> None:
        self.status = "Completed"

    def fail(self, *_: Any, **__: Any) -> None:
        self.status = "Failed"

    def get_secret(self, name: str) -> str | None:
        return os.environ.get(name)

    def __enter__(self) -> OfflineRun:
        return self

    def __exit__(self, *_: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        def ignored(*args: Any, **kwargs: Any) -> None:
            self._say(f"{name}() ignored outside a submitted run")

        return ignored
