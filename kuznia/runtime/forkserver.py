"""A warm launcher: a process with the bootstrap already imported, forking one child per run.

Starting a Python interpreter and importing the bootstrap's dependencies
(SQLAlchemy, pydantic models, httpx, numpy) costs about a second on a small
machine — longer than a run should wait. The fork server pays it once. It is
single-threaded (so forking is safe), listens on a 0600 Unix socket named after
the interpreter and the code it loaded (so new code never runs in an old
server), and exits after a while without requests.

Protocol (the client is ``kuznia.compute.forkserver_client``): one JSON request
per connection ``{"run_id", "env", "cwd", "log"}``, answered with ``{"pid": N}``
once the child exists.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import select
import signal
import socket
import sys
import time
from pathlib import Path

PRELOAD = (
    "kuznia.runtime.bootstrap",
    "kuznia.backends.local",
    "kuznia.backends.http",
    "kuznia.store.metrics",
    "numpy",
)


def _child(request: dict, listener: socket.socket) -> None:  # pragma: no cover - runs in the forked child
    code = 1
    try:
        listener.close()
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        random.seed()
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        from kuznia.runtime.bootstrap import main

        code = main(["--run-id", request["run_id"]])
        import atexit

        atexit._run_exitfuncs()  # os._exit below skips them: flush what the SDK still holds
    except BaseException:  # noqa: BLE001 - the child must always exit here
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: Path, idle_seconds: float) -> None:
    import fcntl

    lock = open(path.with_suffix(".lock"), "w")  # noqa: SIM115 - held for the server's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another fork server for this code is starting or running
    for module in PRELOAD:
        __import__(module)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        listener.bind(str(tmp))
    finally:
        os.umask(old_umask)
    listener.listen(64)
    os.replace(tmp, path)  # appears only once it accepts connections
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle_seconds:
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
            ready, _, _ = select.select([listener], [], [], 1.0)
            if not ready:
                continue
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(10)
                data = b""
                while not data.endswith(b"\n"):
                    block = conn.recv(65536)
                    if not block:
                        break
                    data += block
                try:
                    request = json.loads(data)
                except ValueError:
                    continue
                pid = os.fork()
                if pid == 0:
                    _child(request, listener)
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            last = time.monotonic()
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        listener.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m kuznia.compute.forkserver")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--idle-seconds", type=float, default=900.0)
    args = parser.parse_args()
    serve(Path(args.socket), args.idle_seconds)


if __name__ == "__main__":
    main()
