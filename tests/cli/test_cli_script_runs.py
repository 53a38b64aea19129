"""Submitting and following script runs from the command line."""

from __future__ import annotations

import textwrap

from tests import factories

SCRIPT = textwrap.dedent("""
    import sys
    from kuznia import Run
    run = Run.get_context()
    print("hello", sys.argv[1:])
    run.log("score", float(sys.argv[2]))
""")


def user_metrics(run: dict) -> dict:
    """The metrics the script logged; a slow machine may add ``system/`` samples."""
    return {name: value for name, value in run["metrics"].items() if not name.startswith("system/")}


def test_submit_script_wait_logs_and_snapshot(cli, tmp_path):
    cli("workspace", "create", "team")
    factories.source_folder(cli.cwd, {"train.py": SCRIPT, "util/helpers.py": "X = 1\n"})
    submitted = cli("run", "submit-script", "train.py", "-e", "iris", "--wait", "--", "--score", "0.75")
    assert "hello ['--score', '0.75']" in submitted.stdout
    assert "Completed" in submitted.stdout
    runs = cli.json("run", "list")
    run_id = runs[0]["id"]
    assert user_metrics(runs[0]) == {"score": 0.75}
    assert runs[0]["definition"]["arguments"] == ["--score", "0.75"]
    assert "hello" in cli("run", "logs", run_id).stdout
    assert "hello" in cli("run", "logs", run_id, "--follow").stdout
    assert "status Completed" in cli("run", "logs", run_id, "--stream", "kuznia/bootstrap.log").stdout
    cli("run", "snapshot", run_id, "--out", str(tmp_path / "snap"))
    assert (tmp_path / "snap" / "util" / "helpers.py").read_text() == "X = 1\n"
    failing = cli("run", "submit-script", "missing.py", "-e", "iris", ok=False)
    assert failing.returncode == 2 and "not found in the source directory" in failing.stderr


def test_submit_from_a_run_configuration(cli):
    cli("workspace", "create", "team")
    factories.source_folder(cli.cwd, {"src/train.py": SCRIPT, "train.runconfig.yml": textwrap.dedent("""
        script: train.py
        arguments: [--score, 0.5]
        source_directory: src
        experiment: configured
    """)})
    out = cli("run", "submit", "--config", "train.runconfig.yml", "--wait", "--tag", "via=config")
    assert "Completed" in out.stdout
    (run,) = cli.json("run", "list", "-e", "configured")
    assert run["tags"] == {"via": "config"} and user_metrics(run) == {"score": 0.5}


def test_a_failed_run_exits_non_zero(cli):
    cli("workspace", "create", "team")
    factories.source_folder(cli.cwd, {"bad.py": "raise SystemExit('bad data')\n"})
    out = cli("run", "submit-script", "bad.py", "-e", "x", "--wait", ok=False)
    assert out.returncode == 1 and "Failed" in out.stdout


def test_compute_commands(cli):
    cli("workspace", "create", "team")
    targets = cli.json("compute", "list")
    assert [t["name"] for t in targets] == ["local"]
    cli("compute", "create", "cpu2", "--max-concurrent-runs", "2")
    cli("compute", "update", "local", "--max-concurrent-runs", "3", "--cancel-grace", "1")
    shown = cli.json("compute", "show", "local")
    assert shown["settings"]["max_concurrent_runs"] == 3 and shown["settings"]["cancel_grace_seconds"] == 1
    assert [t["name"] for t in cli.json("compute", "list")] == ["cpu2", "local"]
    assert "max concurrent" in cli("compute", "list").stdout
    bad = cli("compute", "update", "local", "--max-concurrent-runs", "0", ok=False)
    assert bad.returncode == 2 and "max_concurrent_runs" in bad.stderr
