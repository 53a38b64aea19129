"""Packing many local files on several cores: this process and helper processes (pack_worker.py).

Files are named in batches as a folder is listed. Batches wait in one queue; a helper
takes the next batch whenever it has finished one (so it works while the folder is still
being listed), and this process takes batches too once the listing ends: whoever is
faster packs more.
"""

from __future__ import annotations

import collections
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from kuznia.blobs.pack_worker import ANSWER, answer_of
from kuznia.blobs.packs import TempPack, file_chunks, pack_blobs

PARALLEL_MIN_FILES = 512  # helpers start once this many files are named: fewer are not worth one
MAX_HELPERS = 3
BATCH = 64  # paths handed out at a time
IN_FLIGHT = 2  # batches a helper holds, so that it never waits for the next one


class _Batches:
    """Batches in naming order, taken by this process and helpers from one queue."""

    def __init__(self) -> None:
        self.waiting: collections.deque[tuple[int, list[str]]] = collections.deque()
        self.named = 0  # batches so far
        self.listed = False
        self.changed = threading.Condition()

    def add(self, batch: list[str]) -> None:
        with self.changed:
            self.waiting.append((self.named, batch))
            self.named += 1
            self.changed.notify_all()

    def end(self) -> None:
        with self.changed:
            self.listed = True
            self.changed.notify_all()

    def take(self, wait: bool) -> tuple[int, list[str]] | None:
        """The next batch; None when there is none (and, with ``wait``, there will be none)."""
        with self.changed:
            while wait and not self.waiting and not self.listed:
                self.changed.wait()
            return self.waiting.popleft() if self.waiting else None


def pack_local_files(paths: Iterable[str], tmp_dir: Path) -> tuple[list[tuple[str, int]], list[TempPack]]:
    """Pack local files, named by an iterable that may still be listing them; (digest, size)
    of each, in order, and the packs made. On a machine with several cores, helper
    processes take a share (10,000 small files: ~200 ms of work for one process)."""
    # helpers run this interpreter again: not when it is embedded in another program
    runs_python = os.path.basename(sys.executable or "").lower().startswith("python")
    spare = min((os.cpu_count() or 1) - 1, MAX_HELPERS) if runs_python else 0
    batches = _Batches()
    helpers: list[_Helper] = []
    packs: list[TempPack] = []
    try:
        batch: list[str] = []
        for path in paths:
            batch.append(path)
            if len(batch) == BATCH:
                batches.add(batch)
                batch = []
                if spare and not helpers and batches.named * BATCH >= PARALLEL_MIN_FILES:
                    helpers = [_Helper(tmp_dir, batches) for _ in range(spare)]
        if batch:
            batches.add(batch)
        batches.end()
        mine: list[tuple[int, list[str]]] = []

        def my_files() -> Iterator[Iterator[bytes]]:
            while (taken := batches.take(wait=False)) is not None:
                mine.append(taken)
                yield from (file_chunks(p) for p in taken[1])

        stored, pack = pack_blobs(my_files(), tmp_dir)
        packs.append(pack)
        by_batch = dict(_split(mine, stored))
        for helper in helpers:
            answer = helper.result()
            if answer is None:  # the helper could not run here: do its batches in this process
                answer = pack_blobs((file_chunks(p) for _, taken in helper.taken for p in taken), tmp_dir)
            by_batch.update(_split(helper.taken, answer[0]))
            packs.append(answer[1])
        return [item for number in range(batches.named) for item in by_batch[number]], packs
    except BaseException:
        batches.end()
        for helper in helpers:
            helper.stop()
        for made in packs:
            made.discard()
        raise


def _split(taken: list[tuple[int, list[str]]], stored: list[tuple[str, int]]) -> Iterator[tuple[int, list]]:
    """(batch number, its part of ``stored``) for batches packed one after the other."""
    at = 0
    for number, batch in taken:
        yield number, stored[at : at + len(batch)]
        at += len(batch)


class _Helper:
    """``python -m kuznia.blobs.pack_worker`` packing batches it takes from the queue."""

    def __init__(self, tmp_dir: Path, batches: _Batches) -> None:
        self.tmp_dir = tmp_dir
        self.batches = batches
        self.taken: list[tuple[int, list[str]]] = []
        self.output = b""
        try:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "kuznia.blobs.pack_worker", str(tmp_dir)], bufsize=0,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            self.process = None
            return
        # talking to the helper waits on it: not in the caller's thread
        self.thread = threading.Thread(target=self._feed, name="kuznia-pack-feeder", daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        process = self.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        with contextlib.suppress(OSError, ValueError):
            held = 0
            while True:
                if held == IN_FLIGHT:
                    if process.stdout.read(1) != b".":
                        return  # the helper failed; its batches are the caller's
                    held -= 1
                taken = self.batches.take(wait=True)
                if taken is None:
                    break
                self.taken.append(taken)
                process.stdin.write(b"".join(os.fsencode(p) + b"\0" for p in taken[1]) + b"\0")
                held += 1
            process.stdin.close()
            self.output = process.stdout.read().lstrip(b".")  # the last acknowledgements, then the answer
            process.wait()

    def result(self) -> tuple[list[tuple[str, int]], TempPack] | None:
        """The helper's (stored, pack), or None when it failed (its batches are the caller's)."""
        if self.process is None:
            return None
        self.thread.join()
        if self.process.returncode != 0 or not self.output.startswith(ANSWER):
            return None
        name, stored = answer_of(self.output)
        return stored, self._pack(name)

    def _pack(self, name: str) -> TempPack:
        pack = TempPack(self.tmp_dir, name)
        pack.index = pack.tmp_index.read_bytes()
        return pack

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.thread.join()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    pipe.close()
            if self.output.startswith(ANSWER):
                TempPack(self.tmp_dir, answer_of(self.output)[0]).discard()
