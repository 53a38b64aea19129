"""Opening the stores a workspace lives in: a database, a blob store and a secret key.

An embedded store is a folder::

    kuznia.db     SQLite (WAL)            blobs/        content-addressed files
    secret.key    Fernet key, mode 0600   (folder mode 0700)

A server store is a database URL plus a storage URL (any fsspec URL).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kuznia.blobs.store import BlobStore
from kuznia.errors import InvalidInput, NotFound
from kuznia.settings import kuznia_home
from kuznia.store.database import Database

DB_FILE = "kuznia.db"
BLOBS_DIR = "blobs"
KEY_FILE = "secret.key"


@dataclass
class Stores:
    db: Database
    blobs: BlobStore
    key_file: Path | None = None
    #: what a run's bootstrap uses to reach this store: a folder (embedded) or the server's URL
    tracking_uri: str | None = None
    #: where bootstraps launched from this process make their working folders
    work_root: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "kuznia-runs")
    #: built environments of runs launched from this process (the "container registry")
    env_cache: Path = field(default_factory=lambda: kuznia_home() / "environments")
    #: folders of deployments' replicas (code, models, logs) served from this host
    endpoints_root: Path = field(default_factory=lambda: kuznia_home() / "endpoints")

    def close(self) -> None:
        self.db.dispose()


def is_embedded_store(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / DB_FILE).is_file()


def open_embedded(path: str | os.PathLike[str], create: bool = False) -> Stores:
    """Open (and with ``create``, make) the embedded store in folder ``path``; migrates on open."""
    folder = Path(path).expanduser().resolve()
    if not is_embedded_store(folder):
        if not create:
            raise NotFound(
                f"no Kuźnia workspace store at {folder}; create one with "
                "`kuznia workspace create NAME --path PATH`"
            )
        if folder.exists() and not folder.is_dir():
            raise InvalidInput(f"path: {folder} exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
    ensure_key_file(folder / KEY_FILE)
    db = Database(f"sqlite:///{folder / DB_FILE}")
    db.migrate()
    return Stores(db=db, blobs=BlobStore(folder / BLOBS_DIR), key_file=folder / KEY_FILE,
                  tracking_uri=str(folder), work_root=folder / "runs", env_cache=folder / "environments",
                  endpoints_root=folder / "endpoints")


def open_server(database_url: str, storage_url: str, key_file: str | os.PathLike[str] | None = None) -> Stores:
    """Open a server's stores; the schema is migrated by ``kuznia db upgrade`` or on server start."""
    db = Database(database_url)
    key = Path(key_file) if key_file else None
    if key is not None:
        ensure_key_file(key)
    return Stores(db=db, blobs=BlobStore(storage_url), key_file=key)


def ensure_key_file(path: Path) -> None:
    """Create the secret key file (mode 0600) once; never rewrite an existing key."""
    if path.exists():
        return
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())
