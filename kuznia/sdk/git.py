"""Git facts about a source folder, recorded as run properties."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _git(folder: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def strip_credentials(url: str) -> str:
    """``https://user:token@host/repo`` → ``https://host/repo``; scp-style URLs keep only host and path."""
    if "://" in url:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    if "@" in url.split(":", 1)[0]:
        return url.split("@", 1)[1]
    return url


def git_properties(folder: Path) -> dict[str, str]:
    """``git.repository_uri``, ``git.branch``, ``git.commit``, ``git.dirty`` when ``folder`` is in a repository."""
    if _git(folder, "rev-parse", "--is-inside-work-tree") != "true":
        return {}
    props: dict[str, str] = {}
    commit = _git(folder, "rev-parse", "HEAD")
    if commit:
        props["git.commit"] = commit
    branch = _git(folder, "rev-parse", "--abbrev-ref", "HEAD")
    if branch:
        props["git.branch"] = branch
    remote = _git(folder, "config", "--get", "remote.origin.url")
    if remote:
        props["git.repository_uri"] = strip_credentials(remote)
    status = _git(folder, "status", "--porcelain")
    if status is not None:
        props["git.dirty"] = "true" if status else "false"
    return props
