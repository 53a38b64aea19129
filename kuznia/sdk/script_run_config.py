"""ScriptRunConfig and RunConfiguration: what to run, where, with which limits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from kuznia.entities.common import parse
from kuznia.entities.runs import RunDefinition
from kuznia.errors import InvalidInput
from kuznia.sdk.config import read_yaml_mapping


class RunConfiguration:
    """How a script runs: its script and arguments, compute target, environment variables
    and duration limit. Saved as YAML with ``save(path)`` and read with ``RunConfiguration.load(path)``."""

    def __init__(
        self,
        script: str | None = None,
        arguments: list[Any] | None = None,
        target: str = "local",
        environment_variables: dict[str, str] | None = None,
        max_run_duration_seconds: float | None = None,
        source_directory: str | None = None,
        environment: Any = None,
    ) -> None:
        self.script = script
        self.arguments = list(arguments or [])
        self.target = target
        self.environment_variables = dict(environment_variables or {})
        self.max_run_duration_seconds = max_run_duration_seconds
        self.source_directory = source_directory
        self.environment = environment

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "script": self.script,
            "arguments": self.arguments,
            "target": self.target,
            "environment_variables": self.environment_variables,
            "max_run_duration_seconds": self.max_run_duration_seconds,
        }
        if self.source_directory is not None:
            data["source_directory"] = self.source_directory
        return {k: v for k, v in data.items() if v not in (None, {}, [])}

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write this configuration as YAML to ``path``; returns the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False))
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RunConfiguration:
        """Read a configuration saved with ``save``. Raises InvalidInput naming the problem."""
        source = Path(path)
        data = read_yaml_mapping(source, "run configuration")
        known = {"script", "arguments", "target", "environment_variables", "max_run_duration_seconds",
                 "source_directory", "experiment"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(f"run configuration {source}: unknown setting(s) {', '.join(unknown)}")
        config = cls(
            script=data.get("script"),
            arguments=data.get("arguments"),
            target=data.get("target", "local"),
            environment_variables=data.get("environment_variables"),
            max_run_duration_seconds=data.get("max_run_duration_seconds"),
            source_directory=data.get("source_directory"),
        )
        config.experiment = data.get("experiment")  # type: ignore[attr-defined]
        if config.source_directory is not None:
            config.source_directory = str((source.parent / config.source_directory).resolve())
        return config


class ScriptRunConfig:
    """A script in a source folder, to submit with ``experiment.submit(config)``."""

    def __init__(
        self,
        source_directory: str | os.PathLike[str],
        script: str | None = None,
        arguments: list[Any] | None = None,
        compute_target: Any = "local",
        environment: Any = None,
        run_config: RunConfiguration | None = None,
        max_run_duration_seconds: float | None = None,
        **_: Any,
    ) -> None:
        self.source_directory = str(source_directory)
        self.run_config = run_config or RunConfiguration()
        self.script = script or self.run_config.script
        self.arguments = list(arguments if arguments is not None else self.run_config.arguments)
        name = getattr(compute_target, "name", compute_target)
        self.compute_target = name or self.run_config.target or "local"
        self.environment = environment if environment is not None else self.run_config.environment
        self.max_run_duration_seconds = (
            max_run_duration_seconds if max_run_duration_seconds is not None
            else self.run_config.max_run_duration_seconds
        )

    @classmethod
    def from_run_configuration(cls, config: RunConfiguration, source_directory: str | None = None) -> ScriptRunConfig:
        folder = source_directory or config.source_directory
        if folder is None:
            raise InvalidInput("source_directory: give one, or set it in the run configuration")
        return cls(folder, run_config=config)

    def definition(self) -> RunDefinition:
        """The RunDefinition the server stores; raises InvalidInput for a bad field."""
        if not self.script:
            raise InvalidInput("script: which script to run? e.g. ScriptRunConfig('src', script='train.py')")
        environment = self.environment
        if environment is not None and not hasattr(environment, "to_spec"):
            raise InvalidInput("environment: give an Environment, e.g. Environment.get(ws, 'sklearn')")
        return parse(RunDefinition, {
            "script": Path(self.script).as_posix(),
            "arguments": self.arguments,
            "compute_target": self.compute_target,
            "max_run_duration_seconds": self.max_run_duration_seconds,
            "environment_variables": self.run_config.environment_variables,
            "environment": environment.to_spec() if environment is not None else None,
        })
