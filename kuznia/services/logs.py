"""Live logs of runs."""

from __future__ import annotations

from kuznia.entities.common import parse
from kuznia.entities.logs import LogAppend, LogChunk
from kuznia.entities.paths import check_relative_path
from kuznia.services.access import Action
from kuznia.services.runs import require_run
from kuznia.services.scope import Scope
from kuznia.store import logs as store

READ_LIMIT_CHARS = 1_000_000


def append_log(scope: Scope, run_id: str, stream: str, data: LogAppend) -> int:
    """Append text to a run's log stream; returns the stream's new length."""
    check_relative_path(stream, "log stream")
    data = parse(LogAppend, data)
    with scope.stores.db.write() as conn:
        require_run(scope, conn, run_id, action=Action.WRITE)
        return store.append(conn, run_id, stream, data.offset, data.text)


def read_log(scope: Scope, run_id: str, stream: str, offset: int = 0) -> LogChunk:
    """Text of a log stream from ``offset`` on; ``complete`` once the run has ended and
    everything was read."""
    check_relative_path(stream, "log stream")
    offset = max(0, int(offset))
    with scope.stores.db.read() as conn:
        status = require_run(scope, conn, run_id)
        text, next_offset = store.read(conn, run_id, stream, offset, READ_LIMIT_CHARS)
        end = store.stream_end(conn, run_id, stream)
    return LogChunk(stream=stream, offset=offset, text=text, next_offset=next_offset,
                    complete=status.is_terminal and next_offset >= end)


def list_log_streams(scope: Scope, run_id: str) -> list[str]:
    with scope.stores.db.read() as conn:
        require_run(scope, conn, run_id)
        return store.list_streams(conn, run_id)
