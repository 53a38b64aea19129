"""Finding and writing ``.kuznia/config.json``, and choosing a backend for a location."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kuznia.backends.base import Backend
from kuznia.errors import InvalidInput, NotFound
from kuznia.settings import default_store_path

CONFIG_DIR = ".kuznia"
CONFIG_FILE = "config.json"


def read_yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    """A YAML file that must hold a mapping; InvalidInput says which file and what is wrong."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise InvalidInput(f"{what} {path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{what} {path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{what} {path}: expected a mapping of settings")
    return data


def find_config(path: str | os.PathLike[str] | None = None) -> Path:
    """The config file: ``path`` itself, ``path/.kuznia/config.json``, or the first one found
    walking up from the current folder. Raises NotFound."""
    if path is not None:
        candidate = Path(path).expanduser()
        for option in (candidate, candidate / CONFIG_DIR / CONFIG_FILE, candidate / CONFIG_FILE):
            if option.is_file():
                return option.resolve()
        raise NotFound(f"no Kuźnia config at {candidate}; write one with ws.write_config()")
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        option = folder / CONFIG_DIR / CONFIG_FILE
        if option.is_file():
            return option
    raise NotFound(
        "no .kuznia/config.json in this folder or any above it; create a workspace with "
        "`kuznia workspace create NAME` and save it with ws.write_config()"
    )


def read_config(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"config {file}: not readable JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("workspace_name"), str):
        raise InvalidInput(f"config {file}: needs a 'workspace_name' string")
    project = file.parent.parent
    if isinstance(data.get("path"), str):
        data["path"] = str((project / data["path"]).resolve())
    return data


def write_config(file: Path, workspace_name: str, location: dict[str, str]) -> Path:
    """Write the config; an embedded path inside the project is stored relative to it."""
    project = file.parent.parent
    data: dict[str, Any] = {"workspace_name": workspace_name}
    if "server" in location:
        data["server"] = location["server"]
    if "path" in location:
        store = Path(location["path"]).resolve()
        try:
            data["path"] = str(store.relative_to(project.resolve()))
        except ValueError:
            data["path"] = str(store)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, file)
    return file


def connect(path: str | os.PathLike[str] | None = None, server: str | None = None,
            token: str | None = None, create: bool = False) -> Backend:
    """A backend for an embedded store folder (``path``) or a server URL."""
    if path is not None and server is not None:
        raise InvalidInput("give either path (embedded) or server (URL), not both")
    if server is not None:
        from kuznia.backends.http import HttpBackend

        if not server.startswith(("http://", "https://")):
            raise InvalidInput(f"server: {server!r} must start with http:// or https://")
        return HttpBackend(server, token=token)
    from kuznia.backends.local import LocalBackend

    return LocalBackend.embedded(Path(path) if path is not None else default_store_path(), create=create)
