"""Blobs stored many to a pack: written once, found by digest, read back whole, from any process."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from kuznia.blobs import parallel_packing as pack_worker
from kuznia.blobs.store import BlobStore
from kuznia.entities.snapshots import ManifestEntry, SnapshotCreate
from kuznia.errors import NotFound


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_pack_holds_many_blobs_and_each_reads_back_whole(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    big = os.urandom(3 * 1024 * 1024 + 7)  # several chunks
    stored, packs = blobs.put_pack([[b"hello ", b"world"], [big], [b""], [b"hello world"]])
    assert stored == [(sha(b"hello world"), 11), (sha(big), len(big)), (sha(b""), 0), (sha(b"hello world"), 11)]
    assert len(packs) == 1
    assert blobs.read_bytes(sha(b"hello world")) == b"hello world"
    assert blobs.read_bytes(sha(big)) == big
    assert b"".join(blobs.iter_bytes(sha(big), chunk_size=1000)) == big
    assert blobs.read_bytes(sha(b"")) == b""
    # nothing is left behind in the temporary folder
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_another_process_finds_blobs_packed_after_it_started(tmp_path: Path) -> None:
    reader = BlobStore(tmp_path / "blobs")
    assert not reader.exists(sha(b"late"))
    writer = BlobStore(tmp_path / "blobs")
    writer.put_pack([[b"late"]])
    assert reader.exists(sha(b"late"))
    assert reader.read_bytes(sha(b"late")) == b"late"
    with pytest.raises(NotFound):
        reader.read_bytes(sha(b"never stored"))


def test_a_failed_pack_publishes_nothing(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")

    def contents():  # noqa: ANN202
        yield [b"first"]
        raise OSError("the disk went away")

    with pytest.raises(OSError):
        blobs.put_pack(contents())
    assert not blobs.exists(sha(b"first"))
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_a_pack_whose_check_fails_is_not_kept(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")

    def refuse(stored: list[tuple[str, int]]) -> None:
        raise ValueError(f"{stored[0][0]} is not what was claimed")

    with pytest.raises(ValueError, match="not what was claimed"):
        blobs.put_pack([[b"claimed to be something else"]], check=refuse)
    assert not blobs.exists(sha(b"claimed to be something else"))
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
    assert not (tmp_path / "blobs" / "packs").exists()


def test_many_local_files_are_packed_by_helper_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_worker, "PARALLEL_MIN_FILES", 10)
    monkeypatch.setattr(pack_worker, "BATCH", 4)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)  # two helpers, even on a one-core machine
    folder = tmp_path / "src"
    folder.mkdir()
    paths = []
    for n in range(60):
        path = folder / f"f{n:02d}.txt"
        path.write_bytes(f"file {n % 50}\n".encode() * (n + 1))
        paths.append(str(path))
    answers = []
    real_result = pack_worker._Helper.result
    monkeypatch.setattr(pack_worker._Helper, "result", lambda self: answers.append(real_result(self)) or answers[-1])
    named: list[str] = []

    def listing():  # noqa: ANN202 - names files one by one, slowly, as a walk of a big folder does
        for path in paths:
            named.append(path)
            time.sleep(0.01)  # helpers take batches while the listing goes on
            yield path

    blobs = BlobStore(tmp_path / "blobs")
    stored, packs = blobs.put_files(listing())
    assert named == paths
    assert len(answers) == 2 and all(a is not None and a[0] for a in answers)  # both helpers packed files
    assert len(packs) in (2, 3)  # this process packs what is left when the listing ends: maybe nothing
    assert [d for d, _ in stored] == [sha(Path(p).read_bytes()) for p in paths]
    for path, (digest, size) in zip(paths, stored, strict=True):
        assert blobs.read_bytes(digest) == Path(path).read_bytes() and size == Path(path).stat().st_size
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_a_missing_file_fails_the_whole_upload_and_leaves_nothing(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_worker, "PARALLEL_MIN_FILES", 5)
    monkeypatch.setattr(pack_worker, "BATCH", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    folder = tmp_path / "src"
    folder.mkdir()
    paths = []
    for n in range(20):
        (folder / f"f{n}").write_text(str(n))
        paths.append(str(folder / f"f{n}"))
    paths[3] = str(folder / "gone")  # in the share this process packs
    blobs = BlobStore(tmp_path / "blobs")
    with pytest.raises(FileNotFoundError):
        blobs.put_files(paths)
    assert not blobs.exists(sha(b"0"))
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
    assert not (tmp_path / "blobs" / "packs").exists() or list((tmp_path / "blobs" / "packs").iterdir()) == []


def test_a_trusted_manifest_entry_equals_a_validated_one() -> None:
    fast = ManifestEntry.trusted("pkg/a.py", "a" * 64, 3, 0o755)
    checked = ManifestEntry(path="pkg/a.py", digest="a" * 64, size=3, mode=0o755)
    assert fast == checked
    assert fast.model_dump() == checked.model_dump()
    assert fast.model_fields_set == checked.model_fields_set
    assert fast.model_dump_json() == checked.model_dump_json()
    assert SnapshotCreate.model_construct(entries=[fast]).model_dump_json() == \
        SnapshotCreate(entries=[checked]).model_dump_json()


def test_the_canonical_manifest_is_the_same_bytes_however_it_is_written() -> None:
    import json

    from kuznia.entities.snapshots import canonical_manifest

    entries = [ManifestEntry.trusted(p, sha(p.encode()), n, 0o644) for n, p in
               enumerate(['b/"quoted".py', "a\\b".replace("\\", "_"), "z.txt", "x y/#1.csv"])]
    _, fast = canonical_manifest(entries)
    rows = [[e.path, e.digest, e.size, e.mode] for e in sorted(entries, key=lambda e: e.path)]
    assert fast == json.dumps(rows, separators=(",", ":")).encode()
    _, slow = canonical_manifest([ManifestEntry.trusted("zażółć.py", sha(b"x"), 1, 0o644)])
    assert slow == json.dumps([["zażółć.py", sha(b"x"), 1, 0o644]], separators=(",", ":")).encode()
