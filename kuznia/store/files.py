"""Rows naming the files of a run (content lives in the blob store)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from kuznia.entities.common import utcnow
from kuznia.entities.files import RunFile
from kuznia.errors import Conflict
from kuznia.store.tables import run_files


def add_file(conn: Connection, run_id: str, path: str, digest: str, size: int, overwrite: bool = False) -> RunFile:
    now = utcnow()
    row = {"run_id": run_id, "path": path, "digest": digest, "size": size, "created_at": now}
    if overwrite:
        conn.execute(run_files.delete().where(run_files.c.run_id == run_id, run_files.c.path == path))
    try:
        with conn.begin_nested():
            conn.execute(run_files.insert(), row)
    except IntegrityError:
        raise Conflict(f"the run already has a file named {path!r}; choose another name") from None
    return RunFile(path=path, digest=digest, size=size, created_at=now)


def read_file(conn: Connection, run_id: str, path: str) -> RunFile | None:
    r = conn.execute(
        select(run_files).where(run_files.c.run_id == run_id, run_files.c.path == path)
    ).first()
    return RunFile(path=r.path, digest=r.digest, size=r.size, created_at=r.created_at) if r else None


def list_files(conn: Connection, run_id: str, prefix: str, offset: int, limit: int) -> list[RunFile]:
    stmt = select(run_files).where(run_files.c.run_id == run_id)
    if prefix:
        # A literal prefix match, not LIKE (a user's '%' or '_' must not act as a wildcard)
        # and not a range (collations of PostgreSQL ignore punctuation when comparing).
        stmt = stmt.where(func.substr(run_files.c.path, 1, len(prefix)) == prefix)
    rows = conn.execute(stmt.order_by(run_files.c.path).offset(offset).limit(limit))
    return [RunFile(path=r.path, digest=r.digest, size=r.size, created_at=r.created_at) for r in rows]
