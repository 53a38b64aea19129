"""A content-addressed store: every blob is named by the SHA-256 of its bytes.

Blobs are written once: to a temporary name first, then renamed into place
(or put as one object on object stores), so a reader never sees half a blob and
a crash leaves at most an orphan temp file. A blob is a file of its own ("loose")
or one of many in a pack (packs.py), which is how many small files are stored at
once. Readers ask by digest and do not know which.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem

from kuznia.blobs.packs import (
    CHUNK_SIZE,
    MAGIC,
    PACKS_DIR,
    PackIndexes,
    PackSlice,
    TempPack,
    pack_blobs,
)
from kuznia.blobs.parallel_packing import pack_local_files
from kuznia.errors import InvalidInput, NotFound

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def read_chunks(handle: BinaryIO | IO[bytes], size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The bytes of an open file in chunks, to stream without holding it whole."""
    while block := handle.read(size):
        yield block


def check_digest(digest: str) -> str:
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise InvalidInput(f"digest {str(digest)[:80]!r} is not a lowercase SHA-256 hex string")
    return digest


class BlobStore:
    """Blobs under ``url``: a local folder or any fsspec URL (s3://, gs://, abfs://, memory://)."""

    def __init__(self, url: str | os.PathLike[str]) -> None:
        self.url = str(url)
        self.fs, root = fsspec.core.url_to_fs(self.url)
        self.root = root.rstrip("/")
        self.is_local = isinstance(self.fs, LocalFileSystem)
        if self.is_local:
            Path(self.root, "tmp").mkdir(parents=True, exist_ok=True)
        self.packs = PackIndexes(self.fs, f"{self.root}/{PACKS_DIR}")

    def _path(self, digest: str) -> str:
        check_digest(digest)
        return f"{self.root}/sha256/{digest[:2]}/{digest[2:4]}/{digest}"

    def exists(self, digest: str) -> bool:
        return bool(self.fs.exists(self._path(digest))) or self.packs.locate(digest) is not None

    @property
    def _tmp_dir(self) -> Path:
        return Path(self.root, "tmp") if self.is_local else Path(tempfile.gettempdir())

    def put_pack(self, blobs: Iterable[Iterable[bytes]],
                 check: Callable[[list[tuple[str, int]]], None] | None = None) -> tuple[list[tuple[str, int]], list[str]]:
        """Store many blobs (each given as its chunks) in one pack: (digest, size) of each, in
        order, and the name of the pack. ``check`` sees the digests first: if it raises, the
        pack is thrown away and nothing is stored."""
        stored, pack = pack_blobs(blobs, self._tmp_dir)
        if check is not None:
            try:
                check(stored)
            except BaseException:
                pack.discard()
                raise
        return stored, self._publish([pack])

    def put_files(self, paths: Iterable[str]) -> tuple[list[tuple[str, int]], list[str]]:
        """Store local files in packs, each read once, as ``paths`` names them (it may still be
        listing them): (digest, size) of each, in order, and the names of the packs."""
        stored, packs = pack_local_files(paths, self._tmp_dir)
        return stored, self._publish(packs)

    def _publish(self, packs: list[TempPack]) -> list[str]:
        """Move packs into place: the pack first, then its index, which makes it visible."""
        folder = f"{self.root}/{PACKS_DIR}"
        published = []
        try:
            if self.is_local:
                Path(folder).mkdir(parents=True, exist_ok=True)
            for pack in packs:
                if len(pack.index) <= len(MAGIC):
                    continue  # nothing in it
                if self.is_local:
                    os.replace(pack.tmp_pack, f"{folder}/{pack.name}.pack")
                    os.replace(pack.tmp_index, f"{folder}/{pack.name}.idx")
                else:
                    self.fs.put_file(str(pack.tmp_pack), f"{folder}/{pack.name}.pack")
                    self.fs.put_file(str(pack.tmp_index), f"{folder}/{pack.name}.idx")
                self.packs.add(pack.name, pack.index)
                published.append(pack.name)
        finally:
            for pack in packs:
                pack.discard()
        return published

    def put_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Store the bytes of ``chunks``; return (digest, size). Never holds the whole blob in memory."""
        hasher = hashlib.sha256()
        size = 0
        tmp = self._tmp_dir / f"upload-{uuid.uuid4().hex}"
        try:
            with open(tmp, "wb") as out:
                for chunk in chunks:
                    if not chunk:
                        continue
                    hasher.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            digest = hasher.hexdigest()
            self._commit(tmp, digest)
            return digest, size
        finally:
            tmp.unlink(missing_ok=True)

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        return self.put_stream([data])

    def put_file(self, path: str | os.PathLike[str]) -> tuple[str, int]:
        with open(path, "rb") as handle:
            return self.put_stream(read_chunks(handle))

    def _commit(self, tmp: Path, digest: str) -> None:
        final = self._path(digest)
        if self.fs.exists(final):
            return
        if self.is_local:
            Path(final).parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, 0o600)
            os.replace(tmp, final)
        else:
            self.fs.put_file(str(tmp), final)

    def open(self, digest: str) -> BinaryIO | PackSlice:
        path = self._path(digest)
        try:
            return self.fs.open(path, "rb")
        except FileNotFoundError:
            pass
        packed = self.packs.locate(digest)
        if packed is None:
            raise NotFound(f"blob {digest} is missing from the store")
        pack, offset, size = packed
        return PackSlice(self.fs.open(pack, "rb"), offset, size)

    def iter_bytes(self, digest: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        with self.open(digest) as handle:
            while block := handle.read(chunk_size):
                yield block

    def read_bytes(self, digest: str) -> bytes:
        with self.open(digest) as handle:
            return handle.read()

    def copy_to(self, digest: str, destination: str | os.PathLike[str]) -> None:
        """Write the blob to a local file, atomically."""
        dest = Path(destination)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            with open(tmp, "wb") as out:
                for block in self.iter_bytes(digest):
                    out.write(block)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
