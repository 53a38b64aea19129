"""Kuźnia: a self-hosted machine-learning workspace.

The public API is what this module exports (a test guards the list)::

    from kuznia import Workspace, Experiment, Run
"""

from __future__ import annotations

# Not `from typing import …`: typing costs ~10 ms to import, and helper processes
# (kuznia.blobs.pack_worker) import this package before anything else.
TYPE_CHECKING = False

__version__ = "0.1.0"

_EXPORTS = {
    "Workspace": "kuznia.sdk.workspace",
    "Experiment": "kuznia.sdk.experiment",
    "Run": "kuznia.sdk.run",
    "ViewType": "kuznia.entities.experiments",
    "RunStatus": "kuznia.entities.runs",
    "ScriptRunConfig": "kuznia.sdk.script_run_config",
    "RunConfiguration": "kuznia.sdk.script_run_config",
    "ComputeTarget": "kuznia.sdk.compute",
    "LocalCompute": "kuznia.sdk.compute",
    "Environment": "kuznia.sdk.environment",
    "CondaDependencies": "kuznia.sdk.environment",
    "Model": "kuznia.sdk.model",
    "InferenceConfig": "kuznia.sdk.webservice",
    "Webservice": "kuznia.sdk.webservice",
    "LocalWebservice": "kuznia.sdk.webservice",
    "AciWebservice": "kuznia.sdk.webservice",
    "Keyvault": "kuznia.sdk.keyvault",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; the names load lazily below
    from typing import Any

    from kuznia.entities.experiments import ViewType  # noqa: F401
    from kuznia.entities.runs import RunStatus  # noqa: F401
    from kuznia.sdk.compute import ComputeTarget, LocalCompute  # noqa: F401
    from kuznia.sdk.environment import CondaDependencies, Environment  # noqa: F401
    from kuznia.sdk.experiment import Experiment  # noqa: F401
    from kuznia.sdk.keyvault import Keyvault  # noqa: F401
    from kuznia.sdk.model import Model  # noqa: F401
    from kuznia.sdk.run import Run  # noqa: F401
    from kuznia.sdk.script_run_config import RunConfiguration, ScriptRunConfig  # noqa: F401
    from kuznia.sdk.webservice import AciWebservice, InferenceConfig, LocalWebservice, Webservice  # noqa: F401
    from kuznia.sdk.workspace import Workspace  # noqa: F401


def __getattr__(name: str) -> Any:
    # Imported on first use so that `kuznia --help` does not load the whole SDK.
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kuznia' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
