"""`make demo`'s script, end to end, in a temporary folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kuznia import Experiment, Workspace

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_demo_runs_the_whole_lifecycle(tmp_path):
    result = subprocess.run([sys.executable, str(DEMO), str(tmp_path / "demo-ws")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin",
                            "KUZNIA_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "Runs of experiment 'iris'" in result.stdout
    ws = Workspace.from_config(tmp_path)
    parent = next(Experiment(ws, "iris").get_runs())
    assert parent.status == "Completed"
    metrics = parent.get_metrics()
    assert metrics["accuracy"] > 0.8
    assert set(metrics) >= {"best_alpha", "per_class", "confusion_matrix"}
    assert len(parent.get_children()) == 3
    assert len(parent.get_children()[0].get_metrics()["accuracy"]) == 30
    assert "outputs/model.pkl" in parent.get_file_names()
    script_run = next(Experiment(ws, "iris-script").get_runs())
    assert script_run.status == "Completed"
    assert "saved outputs/model.pkl" in result.stdout  # streamed from the script
    assert {"outputs/model.pkl", "logs/user_logs/std_log.txt"} <= set(script_run.get_file_names())
    assert "['setosa', 'virginica']" in result.stdout  # the deployed model answered
    assert "Endpoint deleted." in result.stdout
    from kuznia import Model, Webservice

    assert Model(ws, "iris-classifier").run_id == script_run.id
    assert Webservice.list(ws) == []
