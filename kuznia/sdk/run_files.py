"""Uploading and downloading the files of a run (mixed into ``Run``)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from kuznia.entities.files import RunFile
from kuznia.entities.paths import check_prefix, check_relative_path, join_path
from kuznia.errors import InvalidInput

if TYPE_CHECKING:
    from kuznia.backends.base import Backend


def iter_folder(folder: Path):  # noqa: ANN201
    """(relative name, path) of each regular file under ``folder``; links leaving it are skipped."""
    root = folder.resolve()
    for current, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for file in sorted(files):
            path = Path(current, file)
            if path.is_symlink():
                try:
                    path.resolve().relative_to(root)
                except ValueError:
                    continue  # a link out of the tree is never followed
            if path.is_file():
                yield path.relative_to(root).as_posix(), path


class RunFilesMixin:
    id: str
    _backend: Backend
    _workspace_name: str

    def upload_file(self, name: str, path_or_stream: str | os.PathLike[str] | BinaryIO, overwrite: bool = False) -> RunFile:
        """Store a local file (or an open binary stream) with the run under ``name``."""
        check_relative_path(name, "file name")
        if hasattr(path_or_stream, "read"):
            return self._backend.upload_file(self._workspace_name, self.id, name, path_or_stream, overwrite)  # type: ignore[arg-type]
        source = Path(path_or_stream)  # type: ignore[arg-type]
        if not source.is_file():
            raise InvalidInput(f"path_or_stream: {source} is not a file")
        with open(source, "rb") as handle:
            return self._backend.upload_file(self._workspace_name, self.id, name, handle, overwrite)

    def upload_files(self, names: list[str], paths: list[str | os.PathLike[str]], overwrite: bool = False) -> list[RunFile]:
        """Upload several files; ``names`` and ``paths`` pair up."""
        if len(names) != len(paths):
            raise InvalidInput(f"names and paths differ in length ({len(names)} vs {len(paths)})")
        for name in names:
            check_relative_path(name, "file name")
        return [self.upload_file(n, p, overwrite) for n, p in zip(names, paths, strict=True)]

    def upload_folder(self, name: str, path: str | os.PathLike[str], overwrite: bool = False) -> list[RunFile]:
        """Upload every file under folder ``path`` as ``name/<relative path>``."""
        prefix = check_prefix(name, "folder name")
        folder = Path(path)
        if not folder.is_dir():
            raise InvalidInput(f"path: {folder} is not a folder")
        return [self.upload_file(join_path(prefix, rel), file, overwrite) for rel, file in iter_folder(folder)]

    def get_file_names(self, prefix: str = "") -> list[str]:
        """Paths of all files of the run, sorted."""
        names: list[str] = []
        token = None
        while True:
            page = self._backend.list_files(self._workspace_name, self.id, prefix, token, 1000)
            names.extend(f.path for f in page.items)
            token = page.next_page_token
            if not token:
                return names

    def download_file(self, name: str, output_file_path: str | os.PathLike[str] | None = None) -> Path:
        """Download one file; to ``output_file_path`` (a file or an existing folder), or to
        the current folder under its base name. Returns where it was written."""
        check_relative_path(name, "file name")
        base = name.rsplit("/", 1)[-1]
        target = Path(output_file_path) if output_file_path is not None else Path(base)
        if target.is_dir():
            target = target / base
        self._download_to(name, target)
        return target

    def _download_to(self, name: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            with open(tmp, "wb") as out:
                self._backend.download_file(self._workspace_name, self.id, name, out)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def download_files(
        self,
        prefix: str | None = None,
        output_directory: str | os.PathLike[str] | None = None,
        append_prefix: bool = True,
        **_: Any,
    ) -> list[Path]:
        """Download every file whose path starts with ``prefix`` into ``output_directory``
        (default: current folder). With ``append_prefix=False`` the prefix is cut off."""
        prefix = check_prefix(prefix or "")
        root = Path(output_directory) if output_directory is not None else Path.cwd()
        written = []
        for name in self.get_file_names(prefix):
            relative = name if append_prefix or not prefix else name[len(prefix):].lstrip("/")
            if not relative:
                relative = name.rsplit("/", 1)[-1]
            target = root / check_relative_path(relative, "file name")
            self._download_to(name, target)
            written.append(target)
        return written
