"""Waiting for submitted runs, following their logs, and getting their snapshot back (mixed into ``Run``)."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kuznia.entities.logs import USER_LOG
from kuznia.entities.paths import check_relative_path
from kuznia.entities.runs import RunStatus
from kuznia.errors import InvalidInput, RunFailed

if TYPE_CHECKING:
    from kuznia.backends.base import Backend
    from kuznia.entities.runs import Run as RunEntity

POLL_SECONDS = 0.25
DISPATCH_EVERY_SECONDS = 2.0


class RunExecutionMixin:
    id: str
    _backend: Backend
    _workspace_name: str
    _entity: RunEntity

    if TYPE_CHECKING:  # provided by Run

        def get_status(self) -> str: ...
        def get_details(self) -> dict[str, Any]: ...

    def follow_logs(self, stream: str = USER_LOG, out: TextIO | None = None, offset: int = 0) -> int:
        """Print a log stream as it grows until the run ends; returns the final offset."""
        out = out or sys.stdout
        last_dispatch = 0.0
        delay = 0.02  # quick polls until the first text: a warm start prints within a few tenths
        while True:
            chunk = self._backend.read_log(self._workspace_name, self.id, stream, offset)
            if chunk.text:
                out.write(chunk.text)
                out.flush()
                delay = POLL_SECONDS  # the bootstrap sends text in batches at that pace
            offset = chunk.next_offset
            if chunk.complete:
                return offset
            if not chunk.text:
                now = time.monotonic()
                if now - last_dispatch > DISPATCH_EVERY_SECONDS:
                    # embedded: nobody else may be running the dispatcher and the reaper
                    self._backend.dispatch_runs(self._workspace_name)
                    last_dispatch = now
                time.sleep(delay)
                delay = min(delay * 1.5, POLL_SECONDS)

    def wait_for_completion(self, show_output: bool = False, wait_post_processing: bool = False,
                            raise_on_error: bool = True, timeout_seconds: float | None = None) -> dict[str, Any]:
        """Block until the run ends, printing its output as it comes with ``show_output``.

        Raises RunFailed when the run failed and ``raise_on_error`` is set, and
        TimeoutError after ``timeout_seconds``.
        """
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        if show_output and self._entity.compute_target is not None:
            self.follow_logs()
        delay = 0.05
        last_dispatch = 0.0
        while not RunStatus(self.get_status()).is_terminal:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {self.id} still {self._entity.status.value} after {timeout_seconds} s")
            if self._entity.compute_target is not None and time.monotonic() - last_dispatch > DISPATCH_EVERY_SECONDS:
                self._backend.dispatch_runs(self._workspace_name)
                last_dispatch = time.monotonic()
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        if raise_on_error and self._entity.status == RunStatus.FAILED:
            reason = self._entity.error.message if self._entity.error else "no details"
            raise RunFailed(f"run {self.id} failed: {reason}")
        return self.get_details()

    def get_logs(self, stream: str = USER_LOG) -> str:
        """The whole text of a log stream so far (default: the script's stdout and stderr)."""
        parts = []
        offset = 0
        while True:
            chunk = self._backend.read_log(self._workspace_name, self.id, stream, offset)
            parts.append(chunk.text)
            if not chunk.text:
                return "".join(parts)
            offset = chunk.next_offset

    def restore_snapshot(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the run's snapshot (its exact source files, with their modes) into folder
        ``path`` (default: ./<run id>-snapshot). Returns the folder."""
        snapshot_id = self._entity.snapshot_id
        if snapshot_id is None:
            raise InvalidInput(f"run {self.id} has no snapshot (it was not submitted from a source folder)")
        folder = Path(path) if path is not None else Path(f"{self.id}-snapshot")
        manifest = self._backend.get_snapshot_manifest(self._workspace_name, snapshot_id)
        for entry in manifest.entries:
            target = folder / check_relative_path(entry.path, "snapshot path")
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
            try:
                with open(tmp, "wb") as out:
                    self._backend.download_snapshot_file(self._workspace_name, snapshot_id, entry.path, out)
                os.chmod(tmp, entry.mode & 0o777)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
        return folder

    def get_all_logs(self, destination: str | os.PathLike[str] | None = None) -> list[str]:
        """Download the run's log files (``logs/…``) into ``destination``; returns their paths."""
        written = self.download_files(prefix="logs/", output_directory=destination)  # type: ignore[attr-defined]
        return [str(p) for p in written]
