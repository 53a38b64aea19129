"""The environment cache: one uv-built virtualenv per build key, made once.

A build happens in a temporary folder and is renamed into place only when it
succeeded, under a file lock per key: concurrent requests for the same key wait
for one build, and a failed build leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from kuznia.entities.environments import EnvironmentBuild, EnvironmentSpec, PruneResult
from kuznia.entities.urls import check_fetchable_url
from kuznia.environments.runtime import runtime_tag, runtime_wheel
from kuznia.errors import InvalidInput

MARKER = "kuznia-environment.json"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _uv() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


@dataclass(frozen=True)
class Prepared:
    python: str
    key: str | None
    cached: bool


class EnvironmentCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def key_for(self, spec: EnvironmentSpec) -> str:
        return spec.build_key(runtime_tag())

    def lookup(self, spec: EnvironmentSpec) -> Prepared | None:
        """The built environment of ``spec`` if the cache has it (a stat or two)."""
        if spec.python.user_managed_dependencies:
            return Prepared(self._interpreter(spec), None, True)
        key = self.key_for(spec)
        marker = self.root / key / MARKER
        if not marker.exists():
            return None
        os.utime(marker)  # last use, for pruning
        return Prepared(str(self.root / key / "bin" / "python"), key, True)

    def prepare(self, spec: EnvironmentSpec, log: Callable[[str], object]) -> Prepared:
        """The environment of ``spec``, built now unless cached. Raises InvalidInput with
        the resolver's message when it cannot be built."""
        found = self.lookup(spec)
        if found is not None:
            log(f"using cached environment {found.key or found.python}\n")
            return found
        key = self.key_for(spec)
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / f"{key}.lock")):
            found = self.lookup(spec)  # built by someone else while we waited
            if found is not None:
                log(f"using environment {key}, built meanwhile by another run\n")
                return found
            self._build(spec, key, log)
        return Prepared(str(self.root / key / "bin" / "python"), key, False)

    def _interpreter(self, spec: EnvironmentSpec) -> str:
        path = spec.python.interpreter_path or sys.executable
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise InvalidInput(f"environment {spec.name!r}: interpreter {path} does not exist on this compute")
        return path

    def _run(self, command: list[str], log: Callable[[str], object]) -> None:
        log("$ " + " ".join(command) + "\n")
        process = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        output = _ANSI.sub("", process.stdout + process.stderr)
        log(output)
        if process.returncode != 0:
            lines = [line.strip(" │╰─▶×") for line in output.splitlines() if line.strip()]
            reason = " ".join(lines[-6:])[-1500:] or f"exit code {process.returncode}"
            raise InvalidInput(f"environment could not be built: {reason}")

    def _build(self, spec: EnvironmentSpec, key: str, log: Callable[[str], object]) -> None:
        check_fetch_targets(spec)
        started = time.monotonic()
        tmp = self.root / f".build-{key}-{uuid.uuid4().hex[:8]}"
        python = spec.python.python_version or sys.executable
        log(f"building environment {spec.name} ({key}) with uv\n")
        try:
            self._run([_uv(), "venv", str(tmp), "--python", python, "--no-python-downloads",
                       "--relocatable", "--quiet"], log)
            install = [_uv(), "pip", "install", "--python", str(tmp / "bin" / "python")]
            if spec.python.pip_index_url:
                install += ["--index-url", spec.python.pip_index_url]
            for url in spec.python.pip_extra_index_urls:
                install += ["--extra-index-url", url]
            install += [*spec.python.pip_packages, str(runtime_wheel(self.root))]
            self._run(install, log)
            (tmp / MARKER).write_text(json.dumps({
                "key": key, "spec": spec.model_dump(mode="json"), "built_at": datetime.now(UTC).isoformat(),
                "size_bytes": _size(tmp),  # measured once: walking a venv takes tens of ms
            }))
            os.replace(tmp, self.root / key)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        log(f"built in {time.monotonic() - started:.1f} s\n")

    # housekeeping -------------------------------------------------------------------
    def builds(self) -> list[EnvironmentBuild]:
        if not self.root.exists():
            return []
        found = (self.build_info(folder.name) for folder in sorted(self.root.iterdir()))
        return [build for build in found if build is not None]

    def build_info(self, key: str) -> EnvironmentBuild | None:
        """The finished build ``key``, or None."""
        folder = self.root / key
        marker = folder / MARKER
        if not marker.is_file():
            return None
        info = json.loads(marker.read_text())
        size = info.get("size_bytes")
        return EnvironmentBuild(
            key=key,
            python=str(folder / "bin" / "python"),
            size_bytes=size if isinstance(size, int) else _size(folder),  # builds made before sizes were kept
            created_at=datetime.fromisoformat(info["built_at"]),
            last_used_at=datetime.fromtimestamp(marker.stat().st_mtime, UTC),
        )

    def prune(self, keep: set[str], unused_for_seconds: float) -> PruneResult:
        """Remove builds no registered environment maps to and nobody used for a while."""
        removed, freed, kept = [], 0, 0
        now = time.time()
        for build in self.builds():
            idle = now - build.last_used_at.timestamp()
            if build.key in keep or idle < unused_for_seconds:
                kept += 1
                continue
            folder = self.root / build.key
            with FileLock(str(self.root / f"{build.key}.lock")):
                shutil.rmtree(folder, ignore_errors=True)
            removed.append(build.key)
            freed += build.size_bytes
        for stale in self.root.glob(".build-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
        return PruneResult(removed=removed, freed_bytes=freed, kept=kept)


def check_fetch_targets(spec: EnvironmentSpec) -> None:
    """Index and package URLs are fetched by this host: refuse internal ones (SSRF)."""
    from packaging.requirements import Requirement

    python = spec.python
    for index in filter(None, [python.pip_index_url, *python.pip_extra_index_urls]):
        check_fetchable_url(index, "package index")
    for text in python.pip_packages:
        url = Requirement(text).url
        if url:
            check_fetchable_url(url, f"package {text!r}")


def _size(folder: Path) -> int:
    total = 0
    for current, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(current, name)).st_size
            except OSError:
                continue
    return total
