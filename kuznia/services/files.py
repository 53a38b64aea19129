"""Files of a run: uploaded streaming into the blob store, listed, and read back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kuznia.entities.files import RunFile, RunFileList
from kuznia.entities.paths import check_prefix, check_relative_path
from kuznia.errors import Conflict, NotFound
from kuznia.services.access import Action
from kuznia.services.runs import require_run
from kuznia.services.scope import Scope
from kuznia.store import files as store
from kuznia.store.paging import decode_page_token, next_token


def upload_file(
    scope: Scope, run_id: str, path: str, chunks: Iterable[bytes], overwrite: bool = False
) -> RunFile:
    """Store a file with the run under ``path`` (relative, checked).

    Raises InvalidInput for a bad path, NotFound for an unknown run and Conflict
    when the name is taken and ``overwrite`` is false. The content is streamed.
    """
    check_relative_path(path, "file name")
    with scope.stores.db.read() as conn:
        require_run(scope, conn, run_id, action=Action.WRITE)
        if not overwrite and store.read_file(conn, run_id, path) is not None:
            raise Conflict(f"the run already has a file named {path!r}; choose another name")
    digest, size = scope.stores.blobs.put_stream(chunks)
    with scope.stores.db.write() as conn:
        return store.add_file(conn, run_id, path, digest, size, overwrite=overwrite)


def list_files(
    scope: Scope, run_id: str, prefix: str = "", page_token: str | None = None, max_results: int = 1000
) -> RunFileList:
    """Files of the run whose path starts with ``prefix``, by path."""
    prefix = check_prefix(prefix)
    offset = decode_page_token(page_token)
    with scope.stores.db.read() as conn:
        require_run(scope, conn, run_id)
        rows = store.list_files(conn, run_id, prefix, offset, max_results + 1)
    return RunFileList(items=rows[:max_results], next_page_token=next_token(offset, max_results, len(rows)))


def open_file(scope: Scope, run_id: str, path: str) -> tuple[RunFile, Iterator[bytes]]:
    """The file's record and an iterator over its bytes. Raises NotFound."""
    check_relative_path(path, "file name")
    with scope.stores.db.read() as conn:
        require_run(scope, conn, run_id)
        found = store.read_file(conn, run_id, path)
    if found is None:
        raise NotFound(f"run {run_id!r} has no file {path!r}; list them with `kuznia run show {run_id}`")
    return found, scope.stores.blobs.iter_bytes(found.digest)
