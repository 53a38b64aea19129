"""Talking to the warm launcher (``kuznia.runtime.forkserver``): where it listens, how to ask it."""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
from pathlib import Path

from kuznia import codeinfo

IDLE_SECONDS = float(os.environ.get("KUZNIA_FORKSERVER_IDLE_SECONDS", 900))


def code_fingerprint() -> str:
    """Changes when the interpreter, the Kuźnia version or any of its source files change."""
    return codeinfo.code_fingerprint(salt=sys.executable)


def socket_path(fingerprint: str | None = None) -> Path:
    folder = Path(tempfile.gettempdir()) / f"kuznia-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"fork-{fingerprint or code_fingerprint()}.sock"


def request_launch(path: Path, run_id: str, env: dict[str, str], cwd: Path, log: Path, timeout: float = 10.0) -> int:
    """Ask the fork server at ``path`` for a bootstrap of ``run_id``; returns its pid. Raises OSError."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        client.connect(str(path))
        client.sendall(json.dumps({"run_id": run_id, "env": env, "cwd": str(cwd), "log": str(log)}).encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            block = client.recv(4096)
            if not block:
                raise OSError("the fork server closed the connection")
            reply += block
    return int(json.loads(reply)["pid"])
