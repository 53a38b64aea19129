"""Server settings, read from the environment (``KUZNIA_*``) or given by the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from kuznia import settings


@dataclass
class ServerSettings:
    database_url: str = field(default_factory=settings.server_database_url)
    storage_url: str = field(default_factory=settings.server_storage_url)
    key_file: str = field(default_factory=settings.server_key_file)
    max_body_bytes: int = int(os.environ.get("KUZNIA_MAX_BODY_BYTES", 64 * 1024 * 1024))
    max_file_bytes: int = int(os.environ.get("KUZNIA_MAX_FILE_BYTES", 5 * 1024 * 1024 * 1024))
    #: the URL bootstraps of runs use to reach this server (set by `kuznia server`)
    public_url: str | None = os.environ.get("KUZNIA_PUBLIC_URL")
    dispatch_interval_seconds: float = float(os.environ.get("KUZNIA_DISPATCH_INTERVAL", 2.0))
    #: a server always authenticates; only `kuznia studio` (embedded, loopback) turns it off
    auth_required: bool = os.environ.get("KUZNIA_AUTH", "required") != "embedded"
