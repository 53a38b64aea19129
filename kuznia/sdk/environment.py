"""Environment and CondaDependencies with Azure ML v1 names."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuznia.entities.common import parse
from kuznia.entities.environments import EnvironmentBuild, EnvironmentSpec, PythonSpec
from kuznia.errors import Conflict, InvalidInput
from kuznia.sdk.config import read_yaml_mapping

if TYPE_CHECKING:
    from kuznia.sdk.workspace import Workspace

SPEC_FILE = "kuznia_environment.json"
CONDA_UNAVAILABLE = (
    "conda is not available on this compute: {packages} cannot be installed. "
    "List them under 'pip:' in the conda file (or use from_pip_requirements) instead."
)


class CondaDependencies:
    """The package list of an environment. Only the pip part and the Python version can
    be honoured: conda is not available on Kuźnia's compute."""

    def __init__(self) -> None:
        self.pip_packages: list[str] = []
        self.python_version: str | None = None
        self.pip_index_url: str | None = None

    @staticmethod
    def create(pip_packages: list[str] | None = None, conda_packages: list[str] | None = None,
               python_version: str | None = None, pip_indexurl: str | None = None, **_: Any) -> CondaDependencies:
        deps = CondaDependencies()
        for package in pip_packages or []:
            deps.add_pip_package(package)
        for package in conda_packages or []:
            deps.add_conda_package(package)
        deps.python_version = python_version
        deps.pip_index_url = pip_indexurl
        return deps

    def add_pip_package(self, pip_package: str) -> None:
        parse(PythonSpec, {"pip_packages": [pip_package]})  # refuse a bad requirement now
        if pip_package not in self.pip_packages:
            self.pip_packages.append(pip_package)

    def add_conda_package(self, conda_package: str) -> None:
        if conda_package.split("=")[0].strip() in ("python", "pip"):
            return
        raise InvalidInput(CONDA_UNAVAILABLE.format(packages=repr(conda_package)))


class PythonSection:
    """``env.python``: how the interpreter and its packages are chosen."""

    def __init__(self) -> None:
        self.user_managed_dependencies = False
        self.interpreter_path: str | None = None
        self.conda_dependencies: CondaDependencies | None = None


class Environment:
    """A Python environment for runs: a version of Python, pip packages and variables.

    Built once with uv into the workspace's environment cache and reused by every run
    with the same packages."""

    def __init__(self, name: str) -> None:
        parse(EnvironmentSpec, {"name": name})
        self.name = name
        self.version: int | None = None
        self.python = PythonSection()
        self.environment_variables: dict[str, str] = {}

    # v1 constructors -------------------------------------------------------------------
    @staticmethod
    def from_pip_requirements(name: str, file_path: str | os.PathLike[str], pip_version: str | None = None) -> Environment:
        """An environment with the packages of a requirements file (``-r``, ``-i`` and
        ``--extra-index-url`` lines are understood)."""
        env = Environment(name)
        deps = CondaDependencies()
        for kind, value in _read_requirements(Path(file_path), set()):
            if kind == "package":
                deps.add_pip_package(value)
            elif kind == "index":
                deps.pip_index_url = value
            else:
                env._extra_indexes.append(value)
        env.python.conda_dependencies = deps
        return env

    @staticmethod
    def from_conda_specification(name: str, file_path: str | os.PathLike[str]) -> Environment:
        """An environment from a conda YAML file: its ``pip:`` packages and its Python version.
        Conda-only packages are refused (conda is not available on this compute)."""
        data = read_yaml_mapping(Path(file_path), "conda file")
        deps = CondaDependencies()
        conda_only: list[str] = []
        for item in data.get("dependencies") or []:
            if isinstance(item, dict):
                for package in item.get("pip") or []:
                    deps.add_pip_package(str(package))
                continue
            text = str(item).strip()
            package = text.split("=")[0].split(">")[0].split("<")[0].strip()
            if package == "python":
                version = text[len("python"):].lstrip("=<> ").strip()
                deps.python_version = ".".join(version.split(".")[:2]) or None
            elif package != "pip":
                conda_only.append(text)
        if conda_only:
            raise InvalidInput(CONDA_UNAVAILABLE.format(packages=", ".join(repr(p) for p in conda_only)))
        env = Environment(name)
        env.python.conda_dependencies = deps
        return env

    # the contract ----------------------------------------------------------------------
    @property
    def _extra_indexes(self) -> list[str]:
        if not hasattr(self, "_extra_index_urls"):
            self._extra_index_urls: list[str] = []
        return self._extra_index_urls

    def to_spec(self) -> EnvironmentSpec:
        deps = self.python.conda_dependencies
        return parse(EnvironmentSpec, {
            "name": self.name,
            "version": self.version,
            "python": {
                "user_managed_dependencies": self.python.user_managed_dependencies,
                "interpreter_path": self.python.interpreter_path,
                "python_version": deps.python_version if deps else None,
                "pip_packages": list(deps.pip_packages) if deps else [],
                "pip_index_url": deps.pip_index_url if deps else None,
                "pip_extra_index_urls": list(self._extra_indexes),
            },
            "environment_variables": {str(k): str(v) for k, v in self.environment_variables.items()},
        })

    @classmethod
    def _from_spec(cls, spec: EnvironmentSpec) -> Environment:
        env = cls(spec.name)
        env.version = spec.version
        env.python.user_managed_dependencies = spec.python.user_managed_dependencies
        env.python.interpreter_path = spec.python.interpreter_path
        env.python.conda_dependencies = CondaDependencies.create(
            pip_packages=spec.python.pip_packages, python_version=spec.python.python_version,
            pip_indexurl=spec.python.pip_index_url)
        env._extra_indexes.extend(spec.python.pip_extra_index_urls)
        env.environment_variables = dict(spec.environment_variables)
        return env

    # workspace operations ---------------------------------------------------------------
    def register(self, workspace: Workspace) -> Environment:
        """Store this as the next version of its name (or find the identical latest one)."""
        stored = workspace._backend.register_environment(workspace.name, self.to_spec())
        self.version = stored.version
        return Environment._from_spec(stored.spec)

    @staticmethod
    def get(workspace: Workspace, name: str, version: int | str | None = None) -> Environment:
        """A registered environment, the latest version unless one is given. Raises NotFound."""
        number = int(version) if version is not None else None
        return Environment._from_spec(workspace._backend.get_environment(workspace.name, name, number).spec)

    @staticmethod
    def list(workspace: Workspace) -> dict[str, Environment]:
        """The latest version of each registered environment, by name."""
        return {e.name: Environment._from_spec(e.spec) for e in workspace._backend.list_environments(workspace.name)}

    def build(self, workspace: Workspace) -> EnvironmentBuild:
        """Build this (registered) environment into the workspace's cache now, so runs start at once."""
        if self.version is None:
            self.register(workspace)
        return workspace._backend.build_environment(workspace.name, self.name, self.version)

    def save_to_directory(self, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
        """Write the definition as ``kuznia_environment.json`` in folder ``path``."""
        folder = Path(path)
        file = folder / SPEC_FILE
        if file.exists() and not overwrite:
            raise Conflict(f"{file} exists; pass overwrite=True to replace it")
        folder.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(self.to_spec().model_dump(mode="json", exclude={"version"}), indent=2) + "\n")
        return folder

    @staticmethod
    def load_from_directory(path: str | os.PathLike[str]) -> Environment:
        """Read a definition written by ``save_to_directory``."""
        file = Path(path) / SPEC_FILE
        try:
            data = json.loads(file.read_text())
        except OSError as exc:
            raise InvalidInput(f"path: cannot read {file} ({exc.strerror})") from None
        except ValueError as exc:
            raise InvalidInput(f"path: {file} is not valid JSON ({exc})") from None
        return Environment._from_spec(parse(EnvironmentSpec, data))

    def __repr__(self) -> str:
        return f"Environment(name={self.name!r}, version={self.version!r})"


def _read_requirements(path: Path, seen: set[Path]) -> list[tuple[str, str]]:
    """(kind, value) pairs of a requirements file: package, index or extra-index."""
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InvalidInput(f"file_path: cannot read {path} ({exc.strerror})") from None
    found: list[tuple[str, str]] = []
    for number, raw in enumerate(lines, 1):
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(" ")
        rest = rest.strip()
        if head in ("-r", "--requirement"):
            found += _read_requirements(path.parent / rest, seen)
        elif head in ("-i", "--index-url"):
            found.append(("index", rest))
        elif head == "--extra-index-url":
            found.append(("extra-index", rest))
        elif line.startswith("-"):
            raise InvalidInput(f"{path}:{number}: the option {head!r} is not supported in an environment")
        else:
            found.append(("package", line))
    return found
