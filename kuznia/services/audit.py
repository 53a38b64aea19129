"""Recording and reading the audit trail of a workspace."""

from __future__ import annotations

from typing import Any

from kuznia.entities.users import AuditList
from kuznia.services.access import Action
from kuznia.services.scope import Scope
from kuznia.store import audit as store
from kuznia.store.paging import decode_page_token, next_token


def record(scope: Scope, action: str, resource: str, **details: Any) -> None:
    """Who (the scope's principal) did ``action`` to ``resource``, now."""
    with scope.stores.db.write() as conn:
        store.record(conn, scope.workspace_id, scope.principal.actor, action, resource, details)


def list_entries(scope: Scope, page_token: str | None = None, max_results: int = 100) -> AuditList:
    """Newest first. Owners only."""
    scope.require(Action.OWNER, "audit trail")
    offset = decode_page_token(page_token)
    with scope.stores.db.read() as conn:
        rows = store.list_entries(conn, scope.workspace_id, offset, max_results + 1)
    return AuditList(items=rows[:max_results], next_page_token=next_token(offset, max_results, len(rows)))
