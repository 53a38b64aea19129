"""Environments: registration, definitions from files, and builds used by real runs."""

from __future__ import annotations

import textwrap
import threading

import pytest

from kuznia import CondaDependencies, Environment, ScriptRunConfig
from kuznia.errors import InvalidInput, NotFound, RunFailed
from tests import factories

SHOW = textwrap.dedent("""
    import os, sys
    import six
    print("python", sys.executable)
    print("six", six.__version__)
    print("MODE", os.environ.get("MODE"), "RUN", os.environ.get("RUN_LEVEL"))
""")


def _env(name: str, *packages: str) -> Environment:
    env = Environment(name)
    env.python.conda_dependencies = CondaDependencies.create(pip_packages=list(packages))
    return env


def test_versions_increment_only_when_the_definition_changes(ws):
    first = _env("sk", "six").register(ws)
    again = _env("sk", "six").register(ws)
    changed = _env("sk", "six", "packaging").register(ws)
    assert (first.version, again.version, changed.version) == (1, 1, 2)
    assert Environment.get(ws, "sk").version == 2
    assert Environment.get(ws, "sk", version=1).python.conda_dependencies.pip_packages == ["six"]
    assert list(Environment.list(ws)) == ["sk"]
    assert [v.version for v in ws._backend.list_environment_versions(ws.name, "sk")] == [1, 2]
    with pytest.raises(NotFound, match="kuznia environment list"):
        Environment.get(ws, "nope")


def test_concurrent_registrations_get_distinct_versions(ws):
    versions: list[int] = []
    errors: list[Exception] = []

    def register(i: int) -> None:
        try:
            versions.append(_env("race", f"six=={1 + i}.0").register(ws).version)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and sorted(versions) == [1, 2, 3, 4, 5, 6]


def test_definitions_from_files(tmp_path):
    (tmp_path / "base.txt").write_text("six>=1.16\n# a comment\n")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n--index-url https://pypi.org/simple\nPackaging >= 20  # inline comment\n")
    env = Environment.from_pip_requirements("req", tmp_path / "requirements.txt")
    spec = env.to_spec()
    assert spec.python.pip_packages == ["six>=1.16", "packaging>=20"]
    assert spec.python.pip_index_url == "https://pypi.org/simple"
    (tmp_path / "bad.txt").write_text("-e ./local/pkg\n")
    with pytest.raises(InvalidInput, match="bad.txt:1"):
        Environment.from_pip_requirements("bad", tmp_path / "bad.txt")
    (tmp_path / "conda.yml").write_text(textwrap.dedent("""
        name: demo
        dependencies:
          - python=3.11.4
          - pip
          - pip:
            - six
    """))
    conda = Environment.from_conda_specification("c", tmp_path / "conda.yml").to_spec()
    assert conda.python.python_version == "3.11" and conda.python.pip_packages == ["six"]
    (tmp_path / "conda-only.yml").write_text("dependencies:\n  - python=3.11\n  - cudatoolkit=11.8\n")
    with pytest.raises(InvalidInput, match="conda is not available on this compute.*cudatoolkit"):
        Environment.from_conda_specification("c", tmp_path / "conda-only.yml")
    with pytest.raises(InvalidInput, match="options are not allowed"):
        CondaDependencies.create(pip_packages=["--index-url http://evil.example/simple"])


def test_save_and_load_from_a_directory(tmp_path):
    env = _env("saved", "six")
    env.environment_variables["MODE"] = "fast"
    env.save_to_directory(tmp_path / "env")
    loaded = Environment.load_from_directory(tmp_path / "env")
    assert loaded.to_spec() == env.to_spec()
    from kuznia.errors import Conflict

    with pytest.raises(Conflict):
        env.save_to_directory(tmp_path / "env")


def test_a_run_builds_once_and_then_reuses_the_build(ws, tmp_path):
    factories.fast_compute(ws)
    env = _env("six-env", "six==1.17.0")
    env.environment_variables.update(MODE="from-env", RUN_LEVEL="env")
    src = factories.source_folder(tmp_path / "src", {"show.py": SHOW})
    exp = factories.experiment(ws)
    config = ScriptRunConfig(src, "show.py", environment=env)
    config.run_config.environment_variables["RUN_LEVEL"] = "run"  # the run's own settings win
    first = exp.submit(config)
    first.wait_for_completion(timeout_seconds=300)
    second = exp.submit(config)
    second.wait_for_completion(timeout_seconds=300)
    out = first.get_logs()
    assert "six 1.17.0" in out and "MODE from-env RUN run" in out
    python = next(line for line in out.splitlines() if line.startswith("python ")).split()[1]
    assert python != __import__("sys").executable  # not the server's interpreter
    assert python in second.get_logs()
    build_logs = [r.get_logs("environment/build.log") for r in (first, second)]
    assert "building environment" in build_logs[0] or "cached" in build_logs[0]
    assert "using cached environment" in build_logs[1]
    assert "logs/environment/build.log" in second.get_file_names()


def test_a_bad_requirement_fails_the_run_naming_the_package(ws, tmp_path):
    factories.fast_compute(ws)
    src = factories.source_folder(tmp_path / "src", {"show.py": SHOW})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "show.py",
                                                          environment=_env("broken", "kuznia-no-such-pkg-0")))
    with pytest.raises(RunFailed, match="kuznia-no-such-pkg-0"):
        run.wait_for_completion(timeout_seconds=300)
    assert "kuznia-no-such-pkg-0" in run.get_logs("environment/build.log")
    builds = ws._backend.list_environment_builds(ws.name)
    assert all("kuznia-no-such-pkg-0" not in b.python for b in builds)  # nothing half-made is kept


def test_concurrent_runs_with_a_cold_cache_build_once(ws, tmp_path):
    factories.fast_compute(ws, max_concurrent_runs=3)
    env = _env("cold", "six==1.16.0")
    src = factories.source_folder(tmp_path / "src", {"show.py": SHOW})
    exp = factories.experiment(ws)
    runs = [exp.submit(ScriptRunConfig(src, "show.py", environment=env)) for _ in range(3)]
    for run in runs:
        run.wait_for_completion(timeout_seconds=300)
    logs = [r.get_logs("environment/build.log") for r in runs]
    built = sum("building environment" in text for text in logs)
    assert built <= 1, logs  # one built it (or an earlier test did); the others waited and reused it
    assert all("six 1.16.0" in r.get_logs() for r in runs)


def test_unknown_python_version_is_a_clear_error(ws, tmp_path):
    factories.fast_compute(ws)
    env = _env("old", "six")
    env.python.conda_dependencies.python_version = "3.4"
    src = factories.source_folder(tmp_path / "src", {"show.py": SHOW})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "show.py", environment=env))
    with pytest.raises(RunFailed, match="3.4"):
        run.wait_for_completion(timeout_seconds=300)


def test_user_managed_uses_the_interpreter_as_it_is(ws, tmp_path):
    import sys

    env = Environment("as-is")
    env.python.user_managed_dependencies = True
    env.python.interpreter_path = sys.executable
    src = factories.source_folder(tmp_path / "src", {"show.py": "import sys\nprint('python', sys.executable)\n"})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "show.py", environment=env))
    run.wait_for_completion(timeout_seconds=120)
    assert f"python {sys.executable}" in run.get_logs()


def test_build_from_the_sdk_and_prune(ws):
    env = _env("prebuilt", "six==1.15.0").register(ws)
    built = env.build(ws)
    assert built.python.endswith("/bin/python") and built.size_bytes > 0
    assert built.key in {b.key for b in ws._backend.list_environment_builds(ws.name)}
    result = ws._backend.prune_environment_builds(ws.name, 0)
    assert built.key not in result.removed  # a registered environment keeps its build
