"""Starting, watching and stopping replica processes on this host."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
from pathlib import Path

import psutil

REPLICA_MODULE = "kuznia.serving.replica"


def start_replica(python: str, entry_script: str, workdir: Path, model_dir: Path, single_model_dir: Path | None,
                  env: dict[str, str], log_path: Path, ready_file: Path, name: str,
                  memory_gb: float | None) -> subprocess.Popen[bytes]:
    """Start one replica in its own session; output goes to ``log_path``."""
    ready_file.unlink(missing_ok=True)
    full_env = {k: v for k, v in env.items() if not k.startswith("KUZNIA_")}
    full_env.update(KUZNIA_MODEL_DIR=str(model_dir), AZUREML_MODEL_DIR=str(single_model_dir or model_dir),
                    PYTHONUNBUFFERED="1")
    limit = int(memory_gb * 1024**3) if memory_gb else None

    def limits() -> None:  # in the child, before exec
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [python, "-m", REPLICA_MODULE, "--entry", entry_script, "--ready-file", str(ready_file), "--name", name],
            cwd=workdir, env=full_env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=limits,  # noqa: PLW1509 - only setrlimit runs there
        )


def ready_port(ready_file: Path) -> int | None:
    try:
        return int(json.loads(ready_file.read_text())["port"])
    except (OSError, ValueError, KeyError):
        return None


def is_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def stop(pid: int | None, grace_seconds: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after the grace period."""
    if not pid:
        return
    try:
        process = psutil.Process(pid)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=grace_seconds)
    except psutil.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    except psutil.Error:
        pass


def log_tail(path: Path, max_chars: int = 20_000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - max_chars))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
