"""Building a snapshot of a source folder: ignore rules, limits, hashing with a cache.

Ignore rules (gitignore syntax, matched with ``pathspec``): in every folder, the
rules of ``.amlignore`` and ``.kuzniaignore`` apply when either exists, otherwise
those of ``.gitignore``; rules of a folder apply to everything below it.
``.git``, ``.kuznia`` and folders holding a Kuźnia store are never included.
Symlinks are followed only when they point inside the source folder.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pathspec

from kuznia.entities.paths import MAX_PATH_LENGTH, MAX_SEGMENT_LENGTH, check_relative_path
from kuznia.entities.snapshots import ManifestEntry
from kuznia.errors import InvalidInput

ALWAYS_SKIPPED = {".git", ".kuznia"}
_UNUSUAL_NAME = re.compile(r"[\x00-\x1f\x7f\\]|^[A-Za-z]:")  # what check_relative_path refuses in a name
IGNORE_FILES = (".amlignore", ".kuzniaignore")
DEFAULT_MAX_BYTES = 300 * 1024 * 1024
DEFAULT_MAX_FILES = 2000


@dataclass
class SnapshotLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_files: int = DEFAULT_MAX_FILES

    @classmethod
    def from_environment(cls) -> SnapshotLimits:
        return cls(
            max_bytes=int(os.environ.get("KUZNIA_SNAPSHOT_MAX_BYTES", DEFAULT_MAX_BYTES)),
            max_files=int(os.environ.get("KUZNIA_SNAPSHOT_MAX_FILES", DEFAULT_MAX_FILES)),
        )


@dataclass
class SourceFile:
    path: str  # relative, '/'-separated
    absolute: str
    size: int
    mode: int
    mtime_ns: int
    inode: int


def _rules_for(folder: Path, names: set[str]) -> list[str]:
    chosen = [n for n in IGNORE_FILES if n in names] or ([".gitignore"] if ".gitignore" in names else [])
    lines: list[str] = []
    for name in chosen:
        try:
            lines.extend((folder / name).read_text(errors="replace").splitlines())
        except OSError:
            continue
    return lines


def walk_source(root: Path) -> Iterator[SourceFile]:
    """Every file of the snapshot, in path order, after ignore rules."""
    root = root.resolve()
    # (relative folder prefix, spec) pairs; a path is ignored by the last spec that decides
    stack: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    yield from _walk(root, str(root), "", stack)


def _ignored(rel: str, is_dir: bool, stack: list[tuple[str, pathspec.GitIgnoreSpec]]) -> bool:
    result = False
    for prefix, spec in stack:
        if not rel.startswith(prefix):
            continue
        sub = rel[len(prefix):] + ("/" if is_dir else "")
        decided = spec.check_file(sub).include
        if decided is not None:
            result = decided
    return result


def _walk(root: Path, folder: str, rel_folder: str, stack: list[tuple[str, pathspec.GitIgnoreSpec]]) -> Iterator[SourceFile]:
    # strings, not Paths, per file: a Path per file was a third of the walk's time
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise InvalidInput(f"source_directory: cannot read {folder}: {exc.strerror}") from None
    rules = _rules_for(Path(folder), {e.name for e in entries})
    if rules:
        stack.append((rel_folder, pathspec.GitIgnoreSpec.from_lines(rules)))
    try:
        for entry in entries:
            rel = rel_folder + entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name in ALWAYS_SKIPPED or os.path.exists(os.path.join(entry.path, "kuznia.db")):
                    continue
                if stack and _ignored(rel, True, stack):
                    continue
                yield from _walk(root, entry.path, rel + "/", stack)
                continue
            if stack and _ignored(rel, False, stack):
                continue
            if _UNUSUAL_NAME.search(entry.name) or len(rel) > MAX_PATH_LENGTH or len(entry.name) > MAX_SEGMENT_LENGTH:
                # the folder part is checked already and scandir never names '.' or '..':
                # only an unusual name needs the full check (which raises, naming it)
                check_relative_path(rel, "file name in the source directory")
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                try:
                    target.relative_to(root)
                except ValueError:
                    continue  # never follow a link out of the source folder
                if not target.is_file():
                    continue
                info = target.stat()
            elif entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
            else:
                continue  # sockets, fifos, devices
            yield SourceFile(rel, entry.path, info.st_size, stat.S_IMODE(info.st_mode) & 0o777, info.st_mtime_ns,
                             info.st_ino)
    finally:
        if rules:
            stack.pop()


def check_limits(files: list[SourceFile], limits: SnapshotLimits, source: Path) -> None:
    """Raise InvalidInput naming the largest files when the snapshot is over a limit."""
    total = sum(f.size for f in files)
    if total <= limits.max_bytes and len(files) <= limits.max_files:
        return
    largest = sorted(files, key=lambda f: f.size, reverse=True)[:5]
    listed = ", ".join(f"{f.path} ({_human(f.size)})" for f in largest)
    if total > limits.max_bytes:
        what = f"{_human(total)}, over the limit of {_human(limits.max_bytes)}"
    else:
        what = f"{len(files)} files, over the limit of {limits.max_files}"
    raise InvalidInput(
        f"source_directory {source} is {what}. Largest files: {listed}. "
        "Add what the run does not need to .amlignore (gitignore syntax) in that folder, "
        "or raise KUZNIA_SNAPSHOT_MAX_BYTES / KUZNIA_SNAPSHOT_MAX_FILES."
    )


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class HashCache:
    """Digests of files seen before, keyed by (size, mtime, inode): unchanged files are not
    re-read. It also remembers the last snapshot made of the folder per workspace, keyed by
    the fingerprint of every file's stat, so an unchanged folder is not even re-listed."""

    def __init__(self, cache_dir: Path, root: Path) -> None:
        key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
        self.file = cache_dir / f"{key}.v2.json"
        try:
            saved = orjson.loads(self.file.read_bytes())
            self.entries: dict[str, list] = saved["files"]
            self.snapshots: dict[str, list] = saved["snapshots"]
        except (OSError, ValueError, KeyError, TypeError):
            self.entries, self.snapshots = {}, {}
        self.fresh: dict[str, list] = {}
        self._snapshots_changed = False

    def snapshot(self, workspace: str, fingerprint: str) -> dict | None:
        """The snapshot (as saved) last made in ``workspace`` of this folder, if unchanged since."""
        hit = self.snapshots.get(workspace)
        return hit[1] if hit and hit[0] == fingerprint else None

    def remember_snapshot(self, workspace: str, fingerprint: str, snapshot: dict) -> None:
        self.snapshots[workspace] = [fingerprint, snapshot]
        self._snapshots_changed = True

    def lookup(self, f: SourceFile) -> str | None:
        hit = self.entries.get(f.path)
        if hit and hit[0] == f.size and hit[1] == f.mtime_ns and hit[2] == f.inode:
            self.fresh[f.path] = hit
            return hit[3]
        return None

    def remember(self, f: SourceFile, digest: str) -> None:
        self.fresh[f.path] = [f.size, f.mtime_ns, f.inode, digest]

    def save(self) -> None:
        if self.fresh == self.entries and not self._snapshots_changed:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps({"files": self.fresh, "snapshots": self.snapshots}))
            os.replace(tmp, self.file)
        except OSError:
            pass  # a cache that cannot be written only costs time next submit


@contextlib.contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Let the garbage collector skip every object that existed before: a snapshot of
    10,000 files makes enough objects to trigger full collections, and each one walked the
    whole SDK's heap (a third of a 10,000-file snapshot's time). Left alone when the
    application froze objects itself (a pre-forking server does): unfreezing would undo it."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def folder_fingerprint(files: list[SourceFile]) -> str:
    """Changes when any file is added, removed, renamed, rewritten or changes mode."""
    stamp = hashlib.sha256()
    for f in files:
        stamp.update(f"{f.path}\0{f.size}\0{f.mtime_ns}\0{f.inode}\0{f.mode}\n".encode())
    return stamp.hexdigest()


def hash_file(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def build_manifest(files: list[SourceFile], cache: HashCache | None,
                   store: Callable[[list[str]], list[str]] | None = None,
                   missing: Callable[[list[str]], list[str]] | None = None) -> list[ManifestEntry]:
    """Manifest entries for ``files``, reading only what the cache does not know.

    ``store`` takes the files to read and returns their digests: it may upload them in the
    same pass (the default only hashes). ``missing`` says which of the cached digests the
    destination lacks; those files are stored as well.
    """
    store = store or (lambda paths: [hash_file(p) for p in paths])
    digests = [cache.lookup(f) if cache else None for f in files]
    unread = [i for i, d in enumerate(digests) if d is None]
    if missing is not None:
        cached = [d for d in digests if d is not None]
        lacking = set(missing(cached)) if cached else set()
        unread += [i for i, d in enumerate(digests) if d is not None and d in lacking]
    for i, digest in zip(unread, store([files[i].absolute for i in unread]) if unread else [], strict=True):
        digests[i] = digest
        if cache:
            cache.remember(files[i], digest)
    known = [d for d in digests if d is not None]  # all of them: every file was read or cached
    return [ManifestEntry.trusted(f.path, d, f.size, f.mode) for f, d in zip(files, known, strict=True)]
