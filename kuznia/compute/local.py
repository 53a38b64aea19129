"""The local launcher: the bootstrap as a detached process on this host."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import psutil

BOOTSTRAP_MODULE = "kuznia.runtime.bootstrap"


@dataclass(frozen=True)
class LaunchRequest:
    run_id: str
    workspace: str
    experiment: str
    tracking_uri: str
    token: str
    work_root: Path


def this_host() -> str:
    return socket.gethostname()


class LocalLauncher:
    """Starts ``python -m kuznia.runtime.bootstrap --run-id RUN`` in its own session.

    The bootstrap outlives the process that launched it (a notebook may exit while
    its run goes on). Finished children are reaped on each launch.
    """

    def __init__(self) -> None:
        self._children: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()

    def launch(self, request: LaunchRequest) -> int:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUZNIA_")}
        env.update(
            KUZNIA_RUN_ID=request.run_id,
            KUZNIA_RUN_TOKEN=request.token,
            KUZNIA_TRACKING_URI=request.tracking_uri,
            KUZNIA_WORKSPACE=request.workspace,
            KUZNIA_EXPERIMENT=request.experiment,
            KUZNIA_WORK_ROOT=str(request.work_root),
            PYTHONUNBUFFERED="1",
        )
        if "KUZNIA_HOME" in os.environ:
            env["KUZNIA_HOME"] = os.environ["KUZNIA_HOME"]
        request.work_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        log = open(request.work_root / f"{request.run_id}.launch.log", "ab")  # noqa: SIM115
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", BOOTSTRAP_MODULE, "--run-id", request.run_id],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                cwd=request.work_root,
            )
        finally:
            log.close()
        with self._lock:
            self._children = [c for c in self._children if c.poll() is None]
            self._children.append(child)
        return child.pid


def is_bootstrap_alive(pid: int | None, run_id: str) -> bool:
    """Whether ``pid`` is still the bootstrap of ``run_id`` (pids get reused)."""
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return run_id in process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def kill_process_tree(pid: int | None, sig: int = signal.SIGKILL) -> None:
    """Signal a process, its process group and all its descendants."""
    if not pid:
        return
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    for process in [*descendants]:
        with contextlib.suppress(psutil.Error):
            process.send_signal(sig)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
