from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import clean_env

KUZNIA = [sys.executable, "-m", "kuznia.cli"]


class Cli:
    """Runs the real `kuznia` command in a subprocess, in a given folder."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env

    def __call__(self, *args: str, ok: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*KUZNIA, *args], cwd=self.cwd, env=self.env, capture_output=True, text=True,
            timeout=300, input=input,
        )
        if ok and result.returncode != 0:
            raise AssertionError(f"kuznia {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def json(self, *args: str):  # noqa: ANN201
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    env = clean_env(tmp_path / "home")
    project = tmp_path / "project"
    project.mkdir()
    return Cli(project, env)
