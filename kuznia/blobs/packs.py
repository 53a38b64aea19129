"""Pack files: many blobs in one file, found through a sorted index beside it.

A blob per file costs a file creation, a rename and a folder lookup each; for a source
folder of 10,000 small files that was ~2 s, ten times ``tar -cf`` of the same folder.
A pack is written in one stream instead: ``packs/<id>.pack`` holds the blobs one after
another, ``packs/<id>.idx`` lists them sorted by digest (``KZPACK1\\n``, then per blob
32 bytes of SHA-256, 8 of offset, 8 of size, big-endian). The index is written after the
pack and both are renamed into place, so a pack is visible only once whole. A blob may
live loose, in a pack or in both; content is what its name says either way.

Helper processes import this module first thing (pack_worker.py): it imports only what
they need, quickly.
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any, BinaryIO

MAGIC = b"KZPACK1\n"
RECORD = struct.Struct(">32sQQ")
PACKS_DIR = "packs"
CHUNK_SIZE = 1024 * 1024
WRITE_BYTES = 1 << 20  # written in pieces this big; little held, so freed memory is reused


class TempPack:
    """A pack in temporary files (``pack-<name>.pack`` / ``.idx`` in the folder given),
    for the store to rename into place once its index is written."""

    def __init__(self, tmp_dir: Path, name: str, index: bytes = b"") -> None:
        self.name = name
        self.tmp_pack = tmp_dir / f"pack-{name}.pack"
        self.tmp_index = tmp_dir / f"pack-{name}.idx"
        self.index = index

    def discard(self) -> None:
        self.tmp_pack.unlink(missing_ok=True)
        self.tmp_index.unlink(missing_ok=True)


class PackWriter:
    """Appends blobs to a new pack in a local temporary file; BlobStore publishes it.

    Content that comes twice is listed once in the index (its second copy stays in the
    pack as dead bytes). Many local files are packed by several processes at once
    (parallel_packing.py): reading, hashing and writing in one Python thread is bound by
    the GIL, and threads took turns more than they overlapped.
    """

    def __init__(self, tmp_dir: Path) -> None:
        self.pack = TempPack(tmp_dir, os.urandom(16).hex())
        self.offset = 0
        self.records: dict[bytes, tuple[int, int]] = {}  # raw digest -> (offset, size)
        self._fd = os.open(self.pack.tmp_pack, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._pending: list[bytes] = []
        self._held = 0

    def add(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Append one blob; (hex digest, size)."""
        hasher = hashlib.sha256()
        start = self.offset
        for chunk in chunks:
            hasher.update(chunk)
            self._pending.append(chunk)
            self._held += len(chunk)
            self.offset += len(chunk)
            if self._held >= WRITE_BYTES:
                self._flush()
        raw, size = hasher.digest(), self.offset - start
        self.records.setdefault(raw, (start, size))
        return raw.hex(), size

    def finish(self) -> TempPack:
        """Write what is pending, then the index file."""
        self._flush()
        os.close(self._fd)
        self._fd = -1
        self.pack.index = MAGIC + b"".join(RECORD.pack(raw, *self.records[raw]) for raw in sorted(self.records))
        fd = os.open(self.pack.tmp_index, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write(fd, self.pack.index)
        finally:
            os.close(fd)
        return self.pack

    def _flush(self) -> None:
        if self._pending:
            _write(self._fd, b"".join(self._pending))
            self._pending, self._held = [], 0

    def discard(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self.pack.discard()


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def file_chunks(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """The bytes of a file in chunks; a small file in one read of its own size (a read of
    CHUNK_SIZE allocates that much first, which cost more than the read for small files)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        want = min(os.fstat(fd).st_size + 1, CHUNK_SIZE)
        while block := os.read(fd, want):
            yield block
            if len(block) < want:  # a regular file reads short only at its end
                break
            want = CHUNK_SIZE
    finally:
        os.close(fd)


def pack_blobs(blobs: Iterable[Iterable[bytes]], tmp_dir: Path) -> tuple[list[tuple[str, int]], TempPack]:
    """Write blobs (each given as its chunks) into one new pack; (digest, size) of each, in order."""
    writer = PackWriter(tmp_dir)
    try:
        stored = [writer.add(chunks) for chunks in blobs]
        return stored, writer.finish()
    except BaseException:
        writer.discard()
        raise


class PackIndexes:
    """Where each packed blob is: every pack's index, read when a lookup first needs them
    and looked at again when a digest is not found (another process may have added a
    pack). Held as one map from digest to places (~200 bytes a blob)."""

    def __init__(self, fs: Any, folder: str) -> None:
        self.fs = fs
        self.folder = folder
        self._where: dict[bytes, list[tuple[str, int, int]]] = {}
        self._loaded: set[str] = set()
        self._lock = threading.Lock()

    def locate(self, digest: str) -> tuple[str, int, int] | None:
        """(pack path, offset, size) of a blob held in a pack, or None."""
        places = self._places([digest]).get(digest)
        if not places:
            return None
        name, offset, size = places[0]
        return f"{self.folder}/{name}.pack", offset, size

    def held_in(self, digests: list[str], packs: set[str]) -> set[str]:
        """Which of ``digests`` one of ``packs`` holds."""
        return {d for d, places in self._places(digests).items()
                if places[0][0] in packs or any(p[0] in packs for p in places[1:])}

    def add(self, name: str, index: bytes) -> None:
        """A pack this process has just published."""
        with self._lock:
            self._take(name, index)

    def _places(self, digests: list[str]) -> dict[str, list[tuple[str, int, int]]]:
        where = self._where
        found = {d: places for d in digests if (places := where.get(bytes.fromhex(d)))}
        if len(found) < len(digests) and self._refresh():
            found.update((d, places) for d in digests if d not in found and (places := where.get(bytes.fromhex(d))))
        return found

    def _refresh(self) -> bool:
        """Read indexes of packs not seen yet; whether there were any."""
        try:
            names = [os.path.basename(p)[: -len(".idx")] for p in self.fs.ls(self.folder, detail=False)
                     if p.endswith(".idx")]
        except FileNotFoundError:
            return False
        with self._lock:
            new = [n for n in names if n not in self._loaded]
            for name in new:
                with self.fs.open(f"{self.folder}/{name}.idx", "rb") as handle:
                    index = handle.read()
                if index.startswith(MAGIC):
                    self._take(name, index)
        return bool(new)

    def _take(self, name: str, index: bytes) -> None:
        if name in self._loaded:
            return
        self._loaded.add(name)
        where = self._where
        for raw, offset, size in RECORD.iter_unpack(memoryview(index)[len(MAGIC):]):
            where.setdefault(raw, []).append((name, offset, size))


class PackSlice:
    """A read-only file over one blob inside a pack."""

    def __init__(self, handle: BinaryIO, offset: int, size: int) -> None:
        self.handle = handle
        self.handle.seek(offset)
        self.remaining = size

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data = self.handle.read(size) if size else b""
        self.remaining -= len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> PackSlice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
