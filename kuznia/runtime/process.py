"""Starting the user's script in its own process group, and stopping all of it."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

from kuznia.compute.local import kill_process_tree

_PR_SET_PDEATHSIG = 1
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
    _prctl = _LIBC.prctl
except (OSError, AttributeError):  # not Linux
    _prctl = None  # type: ignore[assignment]


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: only an already-resolved libc call.
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def start_script(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start the script with stdout and stderr merged into one pipe, in a new session
    (so its whole group can be signalled), dying if the bootstrap dies."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    )


def stop_script(process: subprocess.Popen[bytes], grace_seconds: float) -> None:
    """SIGTERM to the script's process group and descendants, SIGKILL after the grace period."""
    if process.poll() is None:
        kill_process_tree(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    kill_process_tree(process.pid, signal.SIGKILL)  # whatever is left of the group, too
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
