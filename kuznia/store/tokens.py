"""Run tokens, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, delete, select

from kuznia.entities.common import utcnow
from kuznia.store.tables import run_tokens


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def insert_run_token(conn: Connection, run_id: str, token: str) -> None:
    conn.execute(run_tokens.insert(), {"token_hash": hash_token(token), "run_id": run_id, "created_at": utcnow()})


def run_for_token(conn: Connection, token: str) -> str | None:
    return conn.execute(select(run_tokens.c.run_id).where(run_tokens.c.token_hash == hash_token(token))).scalar()


def revoke_run_tokens(conn: Connection, run_id: str) -> None:
    conn.execute(delete(run_tokens).where(run_tokens.c.run_id == run_id))
