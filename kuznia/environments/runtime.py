"""The Kuźnia runtime that goes into every built environment, as a wheel of this very code.

A wheel is a zip of the package files plus a ``.dist-info`` folder (METADATA with
the same pinned requirements, WHEEL, entry points, RECORD). Building it from the
running package means an environment always gets the server's exact version,
whether Kuźnia was installed from a wheel or runs from a checkout.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from kuznia.codeinfo import PACKAGE_ROOT, code_fingerprint, kuznia_version

_SKIP_DIRS = {"__pycache__", "node_modules"}


def runtime_tag() -> str:
    """Part of every environment's build key: new Kuźnia code means a new build."""
    return f"kuznia-{kuznia_version()}-{code_fingerprint()}"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _metadata_text() -> str:
    lines = ["Metadata-Version: 2.1", "Name: kuznia", f"Version: {kuznia_version()}"]
    try:
        requires = metadata.requires("kuznia") or []
    except metadata.PackageNotFoundError:
        requires = []
    lines += [f"Requires-Dist: {r}" for r in requires]
    return "\n".join(lines) + "\n"


def runtime_wheel(cache_root: Path) -> Path:
    """A wheel of the running Kuźnia, built once per code fingerprint into ``cache_root/wheels``."""
    version = kuznia_version()
    folder = cache_root / "wheels" / code_fingerprint()
    wheel = folder / f"kuznia-{version}-py3-none-any.whl"
    if wheel.exists():
        return wheel
    folder.mkdir(parents=True, exist_ok=True)
    dist_info = f"kuznia-{version}.dist-info"
    records: list[str] = []
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(PACKAGE_ROOT.rglob("*")):
                if not path.is_file() or _SKIP_DIRS & set(path.relative_to(PACKAGE_ROOT).parts):
                    continue
                name = f"kuznia/{path.relative_to(PACKAGE_ROOT).as_posix()}"
                data = path.read_bytes()
                archive.writestr(name, data)
                records.append(_record_line(name, data))
            extra = {
                f"{dist_info}/METADATA": _metadata_text(),
                f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: kuznia\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
                f"{dist_info}/entry_points.txt": "[console_scripts]\nkuznia = kuznia.cli.main:main\n",
            }
            for name, text in extra.items():
                archive.writestr(name, text)
                records.append(_record_line(name, text.encode()))
            records.append(f"{dist_info}/RECORD,,")
            archive.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
        os.replace(tmp, wheel)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return wheel
