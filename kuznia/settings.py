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


def credentials_file() -> Path:
    """Where `kuznia login` keeps server tokens (mode 0600)."""
    return kuznia_home() / "credentials.json"


def saved_token(server_url: str) -> str | None:
    import json

    try:
        data = json.loads(credentials_file().read_text())
    except (OSError, ValueError):
        return None
    token = data.get("servers", {}).get(server_url.rstrip("/"))
    return token if isinstance(token, str) else None


def save_token(server_url: str, token: str) -> Path:
    import json

    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data.setdefault("servers", {})[server_url.rstrip("/")] = token
    fd = os.open(f"{path}.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(f"{path}.tmp", path)
    os.chmod(path, 0o600)
    return path


def server_database_url() -> str:
    return os.environ.get("KUZNIA_DATABASE_URL") or f"sqlite:///{kuznia_home() / 'server' / 'kuznia.db'}"


def server_storage_url() -> str:
    return os.environ.get("KUZNIA_STORAGE_URL") or str(kuznia_home() / "server" / "blobs")


def server_key_file() -> str:
    return os.environ.get("KUZNIA_SECRET_KEY_FILE") or str(kuznia_home() / "server" / "secret.key")
