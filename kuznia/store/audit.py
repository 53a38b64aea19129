"""The audit trail: who created, changed or deleted what, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from kuznia.entities.common import utcnow
from kuznia.entities.users import AuditEntry
from kuznia.store.tables import audit_log


def record(conn: Connection, workspace_id: str | None, actor: str, action: str, resource: str,
           details: dict[str, Any] | None = None) -> None:
    conn.execute(audit_log.insert(), {"workspace_id": workspace_id, "at": utcnow(), "actor": actor[:400],
                                      "action": action[:100], "resource": resource[:1200],
                                      "details": details or {}})


def list_entries(conn: Connection, workspace_id: str, offset: int, limit: int) -> list[AuditEntry]:
    rows = conn.execute(select(audit_log).where(audit_log.c.workspace_id == workspace_id)
                        .order_by(audit_log.c.id.desc()).offset(offset).limit(limit))
    return [AuditEntry(id=r.id, at=r.at, actor=r.actor, action=r.action, resource=r.resource, details=r.details)
            for r in rows]
