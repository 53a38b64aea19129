"""Script runs on local compute, with real bootstrap subprocesses, on every backend × database."""

from __future__ import annotations

import io
import os
import textwrap
import time

import psutil
import pytest

from kuznia.errors import InvalidInput, NotFound, RunFailed
from kuznia.sdk.script_run_config import ScriptRunConfig
from tests import factories
from tests.conftest import bootstrap_process

TRAIN = textwrap.dedent("""
    import os, sys
    from kuznia import Run
    run = Run.get_context()
    print("args", sys.argv[1:], flush=True)
    for epoch in range(3):
        run.log("accuracy", 0.5 + epoch / 10)
        print("epoch", epoch)
    child = run.child_run("inner")
    child.log("x", 1)
    child.complete()
    os.makedirs("outputs", exist_ok=True)
    with open("outputs/model.txt", "w") as f:
        f.write("weights")
    os.makedirs("logs", exist_ok=True)
    with open("logs/extra.log", "w") as f:
        f.write("more")
    print("env", os.environ.get("GREETING"), os.environ["KUZNIA_EXPERIMENT"], os.environ["KUZNIA_RUN_ID"] == run.id)
""")


def test_a_script_runs_with_full_tracking(ws, tmp_path):
    factories.fast_compute(ws)
    src = factories.source_folder(tmp_path / "src", {"train.py": TRAIN, "lib/helper.py": "X = 1\n"})
    exp = factories.experiment(ws)
    config = ScriptRunConfig(src, "train.py", arguments=["--lr", 0.1, "--epochs", 3, "--flag"])
    config.run_config.environment_variables["GREETING"] = "hej"
    run = exp.submit(config, tags={"kind": "test"})
    assert run.status == "Queued" and run.get_tags() == {"kind": "test"}
    run.wait_for_completion(timeout_seconds=120)
    entity = run.refresh()._entity
    assert entity.status.value == "Completed", entity.error
    assert entity.definition.arguments == ["--lr", 0.1, "--epochs", 3, "--flag"]  # types kept
    statuses = [c.status.value for c in entity.timeline]
    assert statuses == ["Queued", "Preparing", "Running", "Finalizing", "Completed"]
    assert set(entity.timings) == {"Queued", "Preparing", "Running", "Finalizing"}
    assert run.get_metrics()["accuracy"] == [0.5, 0.6, 0.7]
    assert [c.display_name for c in run.get_children()] == ["inner"]
    files = run.get_file_names()
    assert {"outputs/model.txt", "logs/extra.log", "logs/user_logs/std_log.txt",
            "logs/kuznia/bootstrap.log"} <= set(files)
    log = run.get_logs()
    assert "args ['--lr', '0.1', '--epochs', '3', '--flag']" in log
    assert f"env hej {exp.name} True" in log
    assert "epoch 2" in log


def test_a_failing_script_keeps_exit_code_and_traceback(ws, tmp_path):
    factories.fast_compute(ws)
    src = factories.source_folder(tmp_path / "src", {"bad.py": textwrap.dedent("""
        import os
        os.makedirs("outputs", exist_ok=True)
        open("outputs/partial.txt", "w").write("half")
        def load():
            raise ValueError("no data in /data/train.csv")
        load()
    """)})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "bad.py"))
    with pytest.raises(RunFailed, match="no data"):
        run.wait_for_completion(timeout_seconds=120)
    error = run.refresh()._entity.error
    assert error.exit_code == 1
    assert error.message.startswith("ValueError: no data in /data/train.csv")
    assert "Traceback (most recent call last)" in error.traceback and "in load" in error.traceback
    assert "outputs/partial.txt" in run.get_file_names()  # outputs are kept from failed runs too


def _wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached in time")


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _describe(pid: int) -> str:
    try:
        p = psutil.Process(pid)
        return f"pid {pid} {p.status()} ppid {p.ppid()} pgid {os.getpgid(pid)} {p.cmdline()}"
    except (psutil.Error, OSError) as exc:
        return f"pid {pid}: {exc}"


SLEEPER = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    print("child", child.pid, flush=True)
    print("started", flush=True)
    time.sleep(300)
""")


def _pids_of(run) -> list[int]:  # noqa: ANN001
    text = run.get_logs()
    return [int(line.split()[1]) for line in text.splitlines() if line.startswith("child ")]


def test_cancel_stops_the_whole_process_tree(ws, tmp_path):
    factories.fast_compute(ws)
    src = factories.source_folder(tmp_path / "src", {"sleep.py": SLEEPER})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "sleep.py"))
    _wait_for(lambda: "started" in run.get_logs())
    child_pid = _pids_of(run)[0]
    assert psutil.pid_exists(child_pid)
    run.cancel()
    assert run.status in ("CancelRequested", "Canceled")
    run.wait_for_completion(timeout_seconds=60)
    assert run.get_status() == "Canceled"
    _wait_for(lambda: not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == "zombie", 10)
    assert "CancelRequested" in [c.status.value for c in run.refresh()._entity.timeline]


def test_max_run_duration_is_enforced(ws, tmp_path):
    factories.fast_compute(ws)
    src = factories.source_folder(tmp_path / "src", {"sleep.py": SLEEPER})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "sleep.py", max_run_duration_seconds=2))
    with pytest.raises(RunFailed, match="exceeded max_run_duration_seconds"):
        run.wait_for_completion(timeout_seconds=60)
    for pid in _pids_of(run):
        _wait_for(lambda pid=pid: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie", 10)


def test_a_killed_bootstrap_goes_not_responding_then_failed(ws, tmp_path):
    factories.fast_compute(ws)
    src = factories.source_folder(tmp_path / "src", {"sleep.py": SLEEPER})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "sleep.py"))
    _wait_for(lambda: "started" in run.get_logs())
    script_child = _pids_of(run)[0]
    bootstrap_process(run).kill()  # kill -9
    seen: list[str] = []

    def progressed() -> bool:
        ws._backend.dispatch_runs(ws.name)  # the reaper runs in ticks (the server also ticks)
        seen.append(run.get_status())
        return seen[-1] == "Failed"

    _wait_for(progressed, 60)
    assert "NotResponding" in seen
    assert "stopped reporting" in run.refresh()._entity.error.message
    _wait_for(lambda: _gone(script_child), 10, _describe(script_child) + f" run {run.refresh()._entity}")


def test_concurrency_limit_and_submission_order(ws, tmp_path):
    factories.fast_compute(ws, max_concurrent_runs=1)
    marker = tmp_path / "timeline.txt"
    src = factories.source_folder(tmp_path / "src", {"step.py": textwrap.dedent(f"""
        import sys, time
        with open({str(marker)!r}, "a") as f:
            f.write(f"start {{sys.argv[1]}} {{time.time()}}\\n")
        time.sleep(0.5)
        with open({str(marker)!r}, "a") as f:
            f.write(f"end {{sys.argv[1]}} {{time.time()}}\\n")
    """)})
    exp = factories.experiment(ws)
    runs = [exp.submit(ScriptRunConfig(src, "step.py", arguments=[i])) for i in range(3)]
    assert ws.compute_targets["local"].get_status()["queued_runs"] >= 1
    for run in runs:
        run.wait_for_completion(timeout_seconds=120)
    events = [line.split() for line in marker.read_text().splitlines()]
    assert [e[0] + e[1] for e in events] == ["start0", "end0", "start1", "end1", "start2", "end2"]


def test_bad_submissions_create_nothing(ws, tmp_path):
    src = factories.source_folder(tmp_path / "src", {"train.py": "print(1)\n"})
    exp = factories.experiment(ws)
    cases = [
        (ScriptRunConfig(tmp_path / "missing", "train.py"), "is not a folder"),
        (ScriptRunConfig(src, "nope.py"), "not found in the source directory"),
        (ScriptRunConfig(src, "../outside.py"), "must not contain"),
        (ScriptRunConfig(src, "train.py", compute_target="gpu-cluster"), "compute target 'gpu-cluster' not found"),
        (ScriptRunConfig(src, None), "which script"),
        (ScriptRunConfig(src, "train.py", max_run_duration_seconds=-1), "max_run_duration_seconds"),
    ]
    (tmp_path / "outside.py").write_text("print(2)\n")
    for config, message in cases:
        with pytest.raises((InvalidInput, NotFound), match=message):
            exp.submit(config)
    assert list(exp.get_runs()) == []


def test_the_same_source_is_uploaded_once(ws, tmp_path, monkeypatch):
    src = factories.source_folder(tmp_path / "src", {"a.py": "print('a')\n", "data/b.txt": "b" * 1000})
    exp = factories.experiment(ws)
    uploads: list[int] = []
    real = ws._backend.upload_files

    def counting(workspace: str, paths) -> list[str]:  # noqa: ANN001 - an iterable that may still be listing
        paths = list(paths)
        uploads.append(len(paths))
        return real(workspace, paths)

    monkeypatch.setattr(ws._backend, "upload_files", counting)
    first = exp.submit(ScriptRunConfig(src, "a.py"))
    second = exp.submit(ScriptRunConfig(src, "a.py"))
    assert uploads == [2]  # the second submit uploaded nothing
    assert first.refresh()._entity.snapshot_id == second.refresh()._entity.snapshot_id
    (src / "a.py").write_text("print('changed')\n")
    exp.submit(ScriptRunConfig(src, "a.py"))
    assert uploads == [2, 1]  # only the changed file
    for run in exp.get_runs():
        run.wait_for_completion(timeout_seconds=120)


def test_restore_snapshot_gives_the_exact_files(ws, tmp_path):
    src = factories.source_folder(tmp_path / "src", {"run.py": "print('x')\n", "pkg/mod.py": "Y = 2\n",
                                                     ".amlignore": "*.tmp\n", "junk.tmp": "no"})
    (src / "run.py").chmod(0o750)
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "run.py"))
    out = run.restore_snapshot(tmp_path / "restored")
    restored = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert restored == [".amlignore", "pkg/mod.py", "run.py"]
    assert (out / "pkg" / "mod.py").read_text() == "Y = 2\n"
    assert (out / "run.py").stat().st_mode & 0o777 == 0o750
    run.wait_for_completion(timeout_seconds=120)


def test_git_facts_are_recorded_without_credentials(ws, tmp_path):
    import subprocess

    src = factories.source_folder(tmp_path / "repo", {"train.py": "print('git')\n"})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@e", "-C", str(src)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    subprocess.run([*git, "remote", "add", "origin", "https://ala:s3cret-token@git.example.com/team/repo.git"],
                   check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "train.py"))
    props = run.get_properties()
    assert props["git.repository_uri"] == "https://git.example.com/team/repo.git"
    assert props["git.branch"] == "main" and props["git.commit"] == commit and props["git.dirty"] == "false"
    assert "s3cret" not in str(run.get_details())
    run.wait_for_completion(timeout_seconds=120)


def test_live_logs_arrive_while_the_run_goes(ws, tmp_path):
    factories.fast_compute(ws)
    gate = tmp_path / "gate"
    src = factories.source_folder(tmp_path / "src", {"talk.py": textwrap.dedent(f"""
        import os, time
        print("hello from the script", flush=True)
        while not os.path.exists({str(gate)!r}):
            time.sleep(0.05)
        print("bye", flush=True)
    """)})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "talk.py"))
    _wait_for(lambda: "hello from the script" in run.get_logs())
    assert run.get_status() == "Running"
    gate.write_text("go")
    out = io.StringIO()
    run.follow_logs(out=out)
    assert out.getvalue() == "hello from the script\nbye\n"
    run.wait_for_completion(timeout_seconds=60)


def test_system_metrics_are_sampled(ws, tmp_path):
    factories.fast_compute(ws, system_metrics_interval_seconds=0.2)
    src = factories.source_folder(tmp_path / "src", {"busy.py": "import time\ntime.sleep(1.5)\n"})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "busy.py"))
    run.wait_for_completion(timeout_seconds=120)
    metrics = run.get_metrics()
    assert {"system/cpu_percent", "system/memory_percent", "system/process_rss_mb"} <= set(metrics)
    assert isinstance(metrics["system/cpu_percent"], list)


def test_runs_start_without_the_fork_server_too(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("KUZNIA_FORKSERVER", "0")  # the cold path: a fresh interpreter per run
    src = factories.source_folder(tmp_path / "src", {"hi.py": "print('cold start')\n"})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "hi.py"))
    run.wait_for_completion(timeout_seconds=120)
    assert "cold start" in run.get_logs()
