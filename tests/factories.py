"""Test data builders."""

from __future__ import annotations

import uuid

from kuznia.sdk.experiment import Experiment
from kuznia.sdk.run import Run
from kuznia.sdk.workspace import Workspace


def experiment(ws: Workspace, name: str | None = None) -> Experiment:
    return Experiment(ws, name or f"exp-{uuid.uuid4().hex[:8]}")


def run(ws: Workspace, experiment_name: str | None = None, **kwargs) -> Run:  # noqa: ANN003
    return experiment(ws, experiment_name).start_logging(**kwargs)
