"""What `import kuznia` offers is deliberate: adding or removing a name is an API change."""

from __future__ import annotations

import subprocess
import sys

import kuznia


def test_public_names():
    assert kuznia.__all__ == [
        "AciWebservice", "ComputeTarget", "CondaDependencies", "Environment", "Experiment", "InferenceConfig",
        "Keyvault", "LocalCompute", "LocalWebservice", "Model", "Run", "RunConfiguration", "RunStatus",
        "ScriptRunConfig", "ViewType", "Webservice", "Workspace",
    ]
    for name in kuznia.__all__:
        assert getattr(kuznia, name).__name__ in (name, "Webservice")  # AciWebservice is an alias


def test_importing_kuznia_is_light():
    code = "import sys, kuznia; print('sqlalchemy' in sys.modules, 'fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
