"""Append-only log streams of runs, stored as chunks keyed by character offset."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from kuznia.errors import InvalidInput
from kuznia.store.tables import run_log_chunks


def stream_end(conn: Connection, run_id: str, stream: str) -> int:
    row = conn.execute(
        select(run_log_chunks.c.offset, func.length(run_log_chunks.c.text))
        .where(run_log_chunks.c.run_id == run_id, run_log_chunks.c.stream == stream)
        .order_by(run_log_chunks.c.offset.desc())
        .limit(1)
    ).first()
    return 0 if row is None else row[0] + row[1]


def append(conn: Connection, run_id: str, stream: str, offset: int, text: str) -> int:
    """Append ``text`` at ``offset``; a repeat of text already stored is ignored. Returns the new end."""
    end = stream_end(conn, run_id, stream)
    if offset > end:
        raise InvalidInput(f"log {stream!r}: offset {offset} is past the end ({end}); send the missing text first")
    skip = end - offset
    if skip >= len(text):
        return end  # a retry of an append that already landed
    conn.execute(run_log_chunks.insert(), {"run_id": run_id, "stream": stream, "offset": end, "text": text[skip:]})
    return end + len(text) - skip


def read(conn: Connection, run_id: str, stream: str, offset: int, limit_chars: int) -> tuple[str, int]:
    """Text from ``offset`` on (up to about ``limit_chars``), and the offset after it."""
    rows = conn.execute(
        select(run_log_chunks.c.offset, run_log_chunks.c.text)
        .where(run_log_chunks.c.run_id == run_id, run_log_chunks.c.stream == stream,
               run_log_chunks.c.offset + func.length(run_log_chunks.c.text) > offset)
        .order_by(run_log_chunks.c.offset)
    )
    parts: list[str] = []
    position = offset
    size = 0
    for start, text in rows:
        piece = text[position - start:] if start < position else text
        parts.append(piece)
        position = start + len(text)
        size += len(piece)
        if size >= limit_chars:
            break
    return "".join(parts), max(position, offset)


def list_streams(conn: Connection, run_id: str) -> list[str]:
    return list(conn.execute(
        select(run_log_chunks.c.stream).where(run_log_chunks.c.run_id == run_id).distinct().order_by(run_log_chunks.c.stream)
    ).scalars())
