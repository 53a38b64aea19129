"""A log stream that is written locally and sent to the run as it grows."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kuznia.entities.logs import MAX_LOG_APPEND_CHARS, LogAppend
from kuznia.errors import KuzniaError

if TYPE_CHECKING:
    from kuznia.backends.base import Backend

SEND_EVERY_SECONDS = 0.25


class LogStream:
    """``write`` appends to a local file and a pending buffer; a thread sends the buffer at
    once after a quiet spell, then at most every quarter second (so the first line of a
    script is seen at once, and a chatty script costs four requests a second). Sends carry
    their offset, so a retry never duplicates text."""

    def __init__(self, backend: Backend, workspace: str, run_id: str, stream: str, local: Path) -> None:
        self.backend, self.workspace, self.run_id, self.stream = backend, workspace, run_id, stream
        local.parent.mkdir(parents=True, exist_ok=True)
        self.local = local
        self._file = open(local, "a", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._pending: list[str] = []
        self._sent = 0
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._stop = threading.Event()
        self._written = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"log-{stream}", daemon=True)
        self._thread.start()

    def write(self, text: str) -> None:
        if not text:
            return
        with self._lock:
            if self._file.closed:  # what comes after close() stays out of the run's log
                return
            self._file.write(text)
            self._file.flush()
            self._pending.append(text)
        self._written.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._written.wait()
            if self._stop.is_set():
                return  # close() sends the rest
            self._written.clear()
            self.send()
            self._stop.wait(SEND_EVERY_SECONDS)  # what comes meanwhile goes in the next batch

    def send(self) -> bool:
        """Send what is pending; on failure keep it for the next try. Returns success."""
        with self._send_lock:
            with self._lock:
                text = "".join(self._pending)
                self._pending = []
            position = 0
            while position < len(text):
                piece = text[position : position + MAX_LOG_APPEND_CHARS]
                try:
                    self.backend.append_log(self.workspace, self.run_id, self.stream,
                                            LogAppend(offset=self._sent, text=piece))
                except KuzniaError as exc:
                    with self._lock:
                        self._pending.insert(0, text[position:])
                    print(f"kuznia: sending log {self.stream} failed, will retry: {exc.message}", file=sys.stderr)
                    return False
                self._sent += len(piece)
                position += len(piece)
            return True

    def close(self) -> None:
        self._stop.set()
        self._written.set()
        self._thread.join(timeout=5)
        for _ in range(3):
            if self.send():
                break
        with self._lock:
            self._file.close()
