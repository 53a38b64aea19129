"""Which Kuźnia this is: its version and a fingerprint of its source files."""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


def kuznia_version() -> str:
    try:
        return metadata.version("kuznia")
    except metadata.PackageNotFoundError:
        return "0+source"


@functools.cache
def code_fingerprint(salt: str = "") -> str:
    """Changes when the version or any Python source file of the package changes (read once
    per process: the code a process runs does not change under it)."""
    stamp = hashlib.sha256(f"{salt}|{kuznia_version()}".encode())
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        info = path.stat()
        stamp.update(f"{path.relative_to(PACKAGE_ROOT)}:{info.st_mtime_ns}:{info.st_size}".encode())
    return stamp.hexdigest()[:24]
