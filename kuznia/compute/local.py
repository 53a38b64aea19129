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

from kuznia.compute import forkserver_client as forkserver

BOOTSTRAP_MODULE = "kuznia.runtime.bootstrap"


@dataclass(frozen=True)
class LaunchRequest:
    run_id: str
    workspace: str
    experiment: str
    tracking_uri: str
    token: str
    work_root: Path
    env_cache: Path


def run_environment(base: dict[str, str], run_id: str, token: str, tracking_uri: str, workspace: str,
                    experiment: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a run's processes: ``base`` without Kuźnia's own variables
    (``KUZNIA_HOME`` excepted), ``extra``, then the variables that tell the SDK which run it is."""
    env = {k: v for k, v in base.items() if not k.startswith("KUZNIA_")}
    env.update(extra or {})
    env.update(
        KUZNIA_RUN_ID=run_id,
        KUZNIA_RUN_TOKEN=token,
        KUZNIA_TRACKING_URI=tracking_uri,
        KUZNIA_WORKSPACE=workspace,
        KUZNIA_EXPERIMENT=experiment,
        PYTHONUNBUFFERED="1",
    )
    if "KUZNIA_HOME" in base:
        env["KUZNIA_HOME"] = base["KUZNIA_HOME"]
    return env


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
        env = run_environment(dict(os.environ), request.run_id, request.token, request.tracking_uri,
                              request.workspace, request.experiment)
        env["KUZNIA_WORK_ROOT"] = str(request.work_root)
        env["KUZNIA_ENV_CACHE"] = str(request.env_cache)
        request.work_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        log_path = request.work_root / f"{request.run_id}.launch.log"
        if os.environ.get("KUZNIA_FORKSERVER", "1") != "0":
            path = forkserver.socket_path()
            try:
                return forkserver.request_launch(path, request.run_id, env, request.work_root, log_path)
            except OSError:
                self._start_forkserver(path)  # warm for the next run; this one starts cold
        log = open(log_path, "ab")  # noqa: SIM115
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
        self._keep(child)
        return child.pid

    def _keep(self, child: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._children = [c for c in self._children if c.poll() is None]
            self._children.append(child)

    def _start_forkserver(self, path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUZNIA_")}
        idle = os.environ.get("KUZNIA_FORKSERVER_IDLE_SECONDS", str(forkserver.IDLE_SECONDS))
        child = subprocess.Popen(
            [sys.executable, "-m", "kuznia.runtime.forkserver", "--socket", str(path), "--idle-seconds", idle],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
        )
        self._keep(child)


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), or None when it is gone."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def is_bootstrap_alive(pid: int | None, started: float | None) -> bool:
    """Whether ``pid`` is still the process that started at ``started`` (pids get reused)."""
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(process.create_time() - started) < 1.0
    except psutil.Error:
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
