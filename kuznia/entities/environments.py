"""Environments: versioned specs of a Python interpreter, pip packages and variables."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from pydantic import Field, field_validator

from kuznia.entities.common import Entity, Page, Resource, WorkspaceName

_VERSION = re.compile(r"^3(\.\d{1,2}){1,2}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def normalize_requirement(text: str) -> str:
    """``Scikit_Learn >= 1.0`` → ``scikit-learn>=1.0``; anything that is not one PEP 508
    requirement (an option such as ``--index-url``, a path, two packages) is refused."""
    stripped = text.strip()
    if not stripped or stripped.startswith("-"):
        raise ValueError(f"{text!r} is not a package requirement (options are not allowed here)")
    try:
        requirement = Requirement(stripped)
    except InvalidRequirement as exc:
        raise ValueError(f"{text!r} is not a valid requirement: {str(exc).splitlines()[0]}") from None
    if requirement.url and not requirement.url.startswith(("https://", "http://")):
        raise ValueError(f"{text!r}: only http(s) URLs may be given for a package")
    requirement.name = canonicalize_name(requirement.name)
    return str(requirement)


class PythonSpec(Entity):
    """The Python part of an environment (Azure ML v1: ``env.python``)."""

    user_managed_dependencies: bool = Field(
        default=False, description="use the interpreter as it is; install nothing"
    )
    interpreter_path: str | None = Field(default=None, max_length=1024)
    python_version: str | None = Field(default=None, description="e.g. 3.11; default: the server's")
    pip_packages: list[str] = Field(default_factory=list, max_length=1000)
    pip_index_url: str | None = Field(default=None, max_length=2048)
    pip_extra_index_urls: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("python_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not _VERSION.match(value):
            raise ValueError(f"{value!r} is not a Python version such as 3.11 or 3.11.7")
        return value

    @field_validator("pip_packages")
    @classmethod
    def _packages(cls, values: list[str]) -> list[str]:
        return [normalize_requirement(v) for v in values]

    @field_validator("pip_index_url")
    @classmethod
    def _index(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("pip_extra_index_urls")
    @classmethod
    def _indexes(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.startswith(("https://", "http://")):
                raise ValueError(f"{value!r} must be an http(s) URL")
        return values


class EnvironmentSpec(Entity):
    """What an environment is. Its hash (packages sorted and normalized, Python version,
    index settings) names its build in the environment cache."""

    name: WorkspaceName
    version: int | None = Field(default=None, description="set when registered")
    python: PythonSpec = Field(default_factory=PythonSpec)
    environment_variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("environment_variables")
    @classmethod
    def _variables(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _ENV_NAME.match(name) or name.startswith("KUZNIA_"):
                raise ValueError(f"{name!r} is not a variable an environment may set")
        return value

    def build_key(self, runtime: str) -> str:
        """The hash of everything that decides what gets installed (not the name or variables)."""
        python = self.python
        canonical = {
            "python": python.python_version,
            "interpreter": python.interpreter_path if python.user_managed_dependencies else None,
            "user_managed": python.user_managed_dependencies,
            "packages": sorted(python.pip_packages),
            "index": python.pip_index_url,
            "extra_index": sorted(python.pip_extra_index_urls),
            "runtime": runtime,
        }
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()[:32]

    def same_definition(self, other: EnvironmentSpec) -> bool:
        return self.python == other.python and self.environment_variables == other.environment_variables


class EnvironmentVersion(Resource):
    name: str
    version: int
    spec: EnvironmentSpec
    created_at: datetime


EnvironmentList = Page[EnvironmentVersion]


class EnvironmentBuild(Resource):
    """One built environment in a host's cache."""

    key: str
    python: str
    size_bytes: int
    created_at: datetime
    last_used_at: datetime


class PruneResult(Resource):
    removed: list[str]
    freed_bytes: int
    kept: int
