"""The warm launcher's own contract: its socket, its fingerprint, what it refuses."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import pytest

from kuznia.compute import forkserver_client as forkserver


def test_socket_is_private_and_named_after_the_code(tmp_path):
    path = forkserver.socket_path("test" + os.urandom(4).hex())
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert forkserver.code_fingerprint() == forkserver.code_fingerprint()
    server = subprocess.Popen([sys.executable, "-m", "kuznia.runtime.forkserver", "--socket", str(path),
                               "--idle-seconds", "5"])
    try:
        deadline = time.monotonic() + 60
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # a second server for the same socket steps aside at once
        second = subprocess.run([sys.executable, "-m", "kuznia.runtime.forkserver", "--socket", str(path)],
                                timeout=60)
        assert second.returncode == 0
        log = tmp_path / "child.log"
        pid = forkserver.request_launch(path, "no-such-run", {"PATH": os.environ["PATH"]}, tmp_path, log)
        assert pid > 0
        deadline = time.monotonic() + 30
        while "needs" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "KUZNIA_WORKSPACE" in log.read_text()  # the child ran the bootstrap, which refused
    finally:
        server.wait(timeout=30)  # idles out
    assert not path.exists()


def test_no_server_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        forkserver.request_launch(tmp_path / "absent.sock", "r", {}, tmp_path, tmp_path / "l")
