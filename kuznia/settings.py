"""Where Kuźnia keeps things by default, from ``KUZNIA_*`` environment variables."""

from __future__ import annotations

import os
from pathlib import Path


def kuznia_home() -> Path:
    """``$KUZNIA_HOME`` or ``~/.kuznia``: default embedded store, server data, user config."""
    return Path(os.environ.get("KUZNIA_HOME", "~/.kuznia")).expanduser()


def default_store_path() -> Path:
    """Where embedded workspaces live when no path is given."""
    return kuznia_home() / "local"


def server_database_url() -> str:
    return os.environ.get("KUZNIA_DATABASE_URL") or f"sqlite:///{kuznia_home() / 'server' / 'kuznia.db'}"


def server_storage_url() -> str:
    return os.environ.get("KUZNIA_STORAGE_URL") or str(kuznia_home() / "server" / "blobs")


def server_key_file() -> str:
    return os.environ.get("KUZNIA_SECRET_KEY_FILE") or str(kuznia_home() / "server" / "secret.key")
