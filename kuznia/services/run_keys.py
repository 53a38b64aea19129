"""Names in use among a workspace's runs (for search boxes and column pickers)."""

from __future__ import annotations

from kuznia.services.scope import Scope
from kuznia.store import run_keys as store


def list_tag_keys(scope: Scope, limit: int = 200) -> list[str]:
    """Distinct tag keys of the workspace's runs, sorted; at most ``limit`` of them."""
    with scope.stores.db.read() as conn:
        return store.list_tag_keys(conn, scope.workspace_id, limit)
