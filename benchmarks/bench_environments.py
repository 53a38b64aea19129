"""Environments: resolving one whose build is cached, and building a small one.

Issue 5. An embedded workspace (SQLite) and an environment of ``scikit-learn`` and
``pandas`` from PyPI:

  cached resolve      the environment's build is in the cache: ``env.build(ws)`` (the SDK call:
                      registry lookup, cache lookup, build info) and the bootstrap's own step
                      (``EnvironmentCache.prepare``), medians of 10 and 20 calls; target ≤ 50 ms
  cold build          ``env.build(ws)`` with nothing built, with uv's download cache empty (a
                      fresh ``UV_CACHE_DIR``: every wheel comes from PyPI over the network) and again with it
                      warm (the build folder removed, the downloads kept); reference:
                      ``python -m venv`` + ``pip install scikit-learn pandas`` with an empty
                      ``PIP_CACHE_DIR``, and again with it warm; pip is kept to PyPI too
                      (this machine's pip config also points at local wheel folders).

Kuźnia also installs its own runtime (the Kuźnia SDK and its dependencies) into every
environment, so it installs more packages than the reference; the notes count both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PACKAGES = ["scikit-learn", "pandas"]
SDK_REPEATS = 10
LOOKUP_REPEATS = 20


def packages_in(venv: Path) -> int:
    """How many distributions a venv holds."""
    return len(list(venv.glob("lib/python*/site-packages/*.dist-info")))


def kuznia_builds(folder: Path) -> dict[str, object]:
    from kuznia import CondaDependencies, Environment, Workspace
    from kuznia.environments.cache import EnvironmentCache

    workspace = Workspace.create("bench", path=folder / "store")
    env = Environment("sklearn-pandas")
    env.python.conda_dependencies = CondaDependencies.create(pip_packages=PACKAGES)
    env = env.register(workspace)
    uv_cache = folder / "uv-cache"
    before = os.environ.get("UV_CACHE_DIR")
    os.environ["UV_CACHE_DIR"] = str(uv_cache)  # the builder runs uv with this environment
    try:
        common.log("Kuźnia: cold build, uv's download cache empty")
        start = time.perf_counter()
        build = env.build(workspace)
        cold = time.perf_counter() - start
        venv = Path(build.python).parent.parent
        installed = packages_in(venv)
        shutil.rmtree(venv)
        common.log("Kuźnia: cold build, uv's download cache warm")
        start = time.perf_counter()
        env.build(workspace)
        warm_cache = time.perf_counter() - start
    finally:
        if before is None:
            os.environ.pop("UV_CACHE_DIR", None)
        else:
            os.environ["UV_CACHE_DIR"] = before
    common.log(f"Kuźnia: cached resolve, env.build x{SDK_REPEATS}, prepare x{LOOKUP_REPEATS}")
    sdk_first, sdk, _ = common.median_time(lambda: env.build(workspace), SDK_REPEATS)
    cache = EnvironmentCache(folder / "store" / "environments")
    spec = env.to_spec()
    found = cache.prepare(spec, lambda _: None)
    if not found.cached:
        raise AssertionError("the environment was not found in the cache")
    lookup_first, lookup, _ = common.median_time(
        lambda: cache.prepare(spec, lambda _: None), LOOKUP_REPEATS
    )
    return {
        "cold_s": cold,
        "warm_cache_s": warm_cache,
        "packages": installed,
        "sdk_s": sdk,
        "sdk_first_s": sdk_first,
        "lookup_s": lookup,
        "lookup_first_s": lookup_first,
        "build_bytes": build.size_bytes,
    }


def pip_build(venv: Path, pip_cache: Path) -> float:
    """Seconds of ``python -m venv`` + ``pip install`` of the packages."""
    # PyPI only, as uv: this machine's pip config adds local wheel folders and indexes
    # (/etc/pip.conf, PIP_FIND_LINKS) that uv does not use; they would flatter pip.
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_FIND_LINKS", "PIP_INDEX_URL")}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_CACHE_DIR=str(pip_cache),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", *PACKAGES], check=True, env=env
    )
    return time.perf_counter() - start


def reference_builds(folder: Path) -> dict[str, object]:
    pip_cache = folder / "pip-cache"
    common.log("reference: python -m venv + pip install, pip's cache empty")
    cold = pip_build(folder / "venv-cold", pip_cache)
    installed = packages_in(folder / "venv-cold")
    pip_version = subprocess.run(
        [str(folder / "venv-cold" / "bin" / "pip"), "--version"], capture_output=True, text=True
    ).stdout.split()[1]
    common.log("reference: python -m venv + pip install, pip's cache warm")
    warm = pip_build(folder / "venv-warm", pip_cache)
    return {"cold_s": cold, "warm_cache_s": warm, "packages": installed, "pip": pip_version}


def run() -> list[common.Result]:
    folder = common.scratch_dir("environments")
    before = os.environ.get("KUZNIA_HOME")
    os.environ["KUZNIA_HOME"] = str(folder / "home")
    try:
        kuznia = kuznia_builds(folder)
        reference = reference_builds(folder)
    finally:
        if before is None:
            os.environ.pop("KUZNIA_HOME", None)
        else:
            os.environ["KUZNIA_HOME"] = before
        common.remove(folder)
    what = " + ".join(PACKAGES)
    counts = (
        f"Kuźnia's environment holds {kuznia['packages']} distributions (with its runtime), "
        f"pip's {reference['packages']}; pip {reference['pip']}"
    )
    return [
        common.Result(
            "environment resolve, build cached: env.build(ws)",
            "ms",
            kuznia["sdk_s"] * 1000,  # type: ignore[operator]
            None,
            target=50,
            higher_is_better=False,
            note=f"median of {SDK_REPEATS} (first call {kuznia['sdk_first_s'] * 1000:.0f} ms); "  # type: ignore[operator]
            "no reference: pip has no cache of built environments",
        ),
        common.Result(
            "environment resolve, build cached: the bootstrap's lookup",
            "ms",
            kuznia["lookup_s"] * 1000,  # type: ignore[operator]
            None,
            target=50,
            higher_is_better=False,
            note=f"EnvironmentCache.prepare, median of {LOOKUP_REPEATS} (first call "
            f"{kuznia['lookup_first_s'] * 1000:.1f} ms)",  # type: ignore[operator]
        ),
        common.Result(
            f"environment build of {what}, download cache empty",
            "s",
            kuznia["cold_s"],  # type: ignore[arg-type]
            reference["cold_s"],  # type: ignore[arg-type]
            target=None,
            higher_is_better=False,
            note=f"uv (fresh UV_CACHE_DIR) vs python -m venv + pip install (fresh "
            f"PIP_CACHE_DIR); every wheel from PyPI; {counts}",
            details={"kuznia": kuznia, "reference": reference},
        ),
        common.Result(
            f"environment build of {what}, download cache warm",
            "s",
            kuznia["warm_cache_s"],  # type: ignore[arg-type]
            reference["warm_cache_s"],  # type: ignore[arg-type]
            target=None,
            higher_is_better=False,
            note="nothing built yet, but the wheels already in uv's / pip's download cache",
        ),
    ]


if __name__ == "__main__":
    common.main(run)
