"""The files browser: one folder level of a run's files, and previews by kind."""

from __future__ import annotations

import csv
import io
import json
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kuznia.entities.files import RunFile

PREVIEW_BYTES = 512 * 1024
CSV_ROWS = 500
# Served inline to <img>; anything else (SVG included: it can carry script) is a download.
IMAGE_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".bmp": "image/bmp",
}
TEXT_SUFFIXES = {".txt", ".log", ".md", ".py", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".sh", ".out", ".err"}


@dataclass
class Folder:
    """The entries directly under ``prefix``: sub-folders (with file counts) and files."""

    prefix: str
    folders: dict[str, int] = field(default_factory=dict)
    files: list[RunFile] = field(default_factory=list)

    @property
    def breadcrumbs(self) -> list[tuple[str, str]]:
        """(name, prefix) pairs from the root to this folder."""
        crumbs = []
        parts = [p for p in self.prefix.split("/") if p]
        for i, part in enumerate(parts):
            crumbs.append((part, "/".join(parts[: i + 1]) + "/"))
        return crumbs


def folder_view(prefix: str, items: list[RunFile]) -> Folder:
    folder = Folder(prefix=prefix)
    for item in items:
        rest = item.path[len(prefix):]
        if "/" in rest:
            name = rest.split("/", 1)[0]
            folder.folders[name] = folder.folders.get(name, 0) + 1
        else:
            folder.files.append(item)
    return folder


def suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def image_type(path: str) -> str | None:
    return IMAGE_TYPES.get(suffix(path))


def download_type(path: str) -> str:
    """Content type of a raw download: images as themselves, everything else as bytes."""
    return image_type(path) or "application/octet-stream"


def guess_label(path: str) -> str:
    kind, _ = mimetypes.guess_type(path)
    return kind or "file"


@dataclass
class Preview:
    kind: str  # image | json | csv | text | binary | empty
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    truncated: bool = False
    note: str = ""


def _head(chunks: Iterator[bytes], limit: int) -> tuple[bytes, bool]:
    data = bytearray()
    for chunk in chunks:
        data.extend(chunk)
        if len(data) > limit:
            return bytes(data[:limit]), True
    return bytes(data), False


def make_preview(record: RunFile, chunks: Iterator[bytes]) -> Preview:
    """Read at most PREVIEW_BYTES of the file and decide how to show them."""
    if image_type(record.path):
        return Preview(kind="image")
    if record.size == 0:
        return Preview(kind="empty")
    data, truncated = _head(chunks, PREVIEW_BYTES)
    if b"\x00" in data[:8192]:
        return Preview(kind="binary", note="binary file; download it to open it")
    text = data.decode("utf-8", errors="replace")
    ext = suffix(record.path)
    if ext == ".json" and not truncated:
        try:
            parsed: Any = json.loads(text)
        except ValueError as exc:
            return Preview(kind="text", text=text, note=f"not valid JSON ({exc}); shown as text")
        return Preview(kind="json", text=json.dumps(parsed, indent=2, ensure_ascii=False))
    if ext in (".csv", ".tsv"):
        reader = csv.reader(io.StringIO(text), delimiter="\t" if ext == ".tsv" else ",")
        rows: list[list[str]] = []
        try:
            for row in reader:
                rows.append(row)
                if len(rows) > CSV_ROWS:
                    break
        except csv.Error as exc:
            return Preview(kind="text", text=text, truncated=truncated, note=f"not valid CSV ({exc}); shown as text")
        more = truncated or len(rows) > CSV_ROWS
        return Preview(kind="csv", rows=rows[: CSV_ROWS + 1], truncated=more)
    return Preview(kind="text", text=text, truncated=truncated)
