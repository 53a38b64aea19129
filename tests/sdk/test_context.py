"""Run.get_context() inside and outside a submitted run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from kuznia import Run, Workspace


def test_offline_run_prints_and_never_fails(capsys):
    run = Run.get_context()
    run.log("acc", 0.9)
    run.log("acc", 0.95)
    run.tag("x", 1)
    run.upload_file("a", "b")  # ignored, not an error
    child = run.child_run()
    child.log("y", 1)
    run.complete()
    assert run.get_metrics() == {"acc": [0.9, 0.95]}
    assert "acc = 0.9" in capsys.readouterr().err


def test_context_from_environment_in_a_subprocess(tmp_path):
    ws = Workspace.create("ctx", path=tmp_path / "store")
    from tests import factories

    run = factories.run(ws)
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        from kuznia import Run
        run = Run.get_context()
        for i in range(1000):
            run.log("loss", 1 / (i + 1))
        run.tag("from", "script")
    """))
    env = {
        "KUZNIA_RUN_ID": run.id,
        "KUZNIA_WORKSPACE": "ctx",
        "KUZNIA_TRACKING_URI": (tmp_path / "store").as_uri(),
        "PATH": "/usr/bin:/bin",
        "KUZNIA_HOME": str(tmp_path / "home"),
    }
    subprocess.run([sys.executable, str(script)], env=env, check=True, timeout=120)
    assert run.get_tags() == {"from": "script"}
    assert len(run.get_metrics()["loss"]) == 1000  # flushed at interpreter exit
