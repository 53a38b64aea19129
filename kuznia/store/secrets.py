"""Encrypted secret rows."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from kuznia.entities.common import utcnow
from kuznia.entities.secrets import SecretInfo
from kuznia.store.dialects import upsert
from kuznia.store.tables import secrets


def put(conn: Connection, workspace_id: str, name: str, ciphertext: bytes) -> None:
    now = utcnow()
    upsert(conn, secrets, [{"workspace_id": workspace_id, "name": name, "ciphertext": ciphertext,
                            "created_at": now, "updated_at": now}],
           keys=["workspace_id", "name"], update=["ciphertext", "updated_at"])


def read(conn: Connection, workspace_id: str, names: list[str]) -> dict[str, bytes]:
    rows = conn.execute(select(secrets.c.name, secrets.c.ciphertext).where(
        secrets.c.workspace_id == workspace_id, secrets.c.name.in_(names)))
    return {name: bytes(ciphertext) for name, ciphertext in rows}


def list_infos(conn: Connection, workspace_id: str) -> list[SecretInfo]:
    rows = conn.execute(select(secrets.c.name, secrets.c.created_at, secrets.c.updated_at)
                        .where(secrets.c.workspace_id == workspace_id).order_by(secrets.c.name))
    return [SecretInfo(name=n, created_at=c, updated_at=u) for n, c, u in rows]


def remove(conn: Connection, workspace_id: str, name: str) -> bool:
    return conn.execute(delete(secrets).where(secrets.c.workspace_id == workspace_id, secrets.c.name == name)).rowcount > 0
