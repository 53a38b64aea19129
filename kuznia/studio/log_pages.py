"""The Logs tab of a run: its log streams, followed live while the run is running.

Two kinds of streams: the live ones the bootstrap appends to while the run runs
(``user_logs/std_log.txt``, ``kuznia/bootstrap.log``, …, read through the logs
service), and files under ``logs/`` that the run uploaded (the same streams once
it ends, plus whatever the script wrote to ``./logs``). A live stream is shown
from the logs service and followed by ``static/logs.js``, which polls the REST
API's ``…/logs/{stream}?offset=`` until the chunk says ``complete``; a file-only
stream is shown from the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kuznia.entities.logs import BOOTSTRAP_LOG, USER_LOG
from kuznia.entities.paths import check_relative_path
from kuznia.errors import NotFound
from kuznia.server.deps import RunIdPath, ScopeDep
from kuznia.services import files, logs, runs
from kuznia.services.scope import Scope
from kuznia.studio import files_view
from kuznia.studio.errors import StudioRoute
from kuznia.studio.run_pages import render_run_page

router = APIRouter(prefix="/workspaces/{workspace}/runs/{run_id}", route_class=StudioRoute, include_in_schema=False)
LOG_PREFIX = "logs/"
MAX_LOG_FILES = 500
# Shown first when a run has them: what the script printed, then what Kuźnia did.
PREFERRED = (USER_LOG, BOOTSTRAP_LOG)


@dataclass(frozen=True)
class Stream:
    name: str  # e.g. user_logs/std_log.txt
    is_live: bool  # appended to while the run runs (else only an uploaded file under logs/)


def list_streams(scope: Scope, run_id: str, is_terminal: bool) -> list[Stream]:
    """Live streams and uploaded log files, one entry per name, the preferred ones first."""
    live = set(logs.list_log_streams(scope, run_id))
    if not is_terminal:
        live.add(USER_LOG)  # not written yet while the run is queued: follow it from the start
    uploaded = {f.path.removeprefix(LOG_PREFIX)
                for f in files.list_files(scope, run_id, LOG_PREFIX, None, MAX_LOG_FILES).items}
    names = sorted(live | uploaded, key=lambda n: (PREFERRED.index(n) if n in PREFERRED else len(PREFERRED), n))
    return [Stream(name=n, is_live=n in live) for n in names]


@router.get("/logs", response_class=HTMLResponse)
def show_logs(
    request: Request, scope: ScopeDep, run_id: RunIdPath,
    stream: Annotated[str | None, Query(max_length=1024, description="log stream")] = None,
) -> HTMLResponse:
    """One log stream of the run (the script's output by default), live while the run runs."""
    run = runs.get_run(scope, run_id)
    streams = list_streams(scope, run_id, run.status.is_terminal)
    if stream is not None:
        check_relative_path(stream, "stream")
    chosen = next((s for s in streams if s.name == stream), None) if stream else (streams[0] if streams else None)
    if stream is not None and chosen is None:
        if run.status.is_terminal:
            raise NotFound(f"run {run.id!r} has no log stream {stream!r}; its logs are listed on its Logs tab")
        chosen = Stream(name=stream, is_live=True)  # a stream that has not started yet: follow it
    text, next_offset, complete, note = "", 0, True, ""
    if chosen is not None and chosen.is_live:
        chunk = logs.read_log(scope, run_id, chosen.name, 0)
        text, next_offset, complete = chunk.text, chunk.next_offset, chunk.complete
    elif chosen is not None:
        record, chunks = files.open_file(scope, run_id, LOG_PREFIX + chosen.name)
        preview = files_view.make_preview(record, chunks)
        text = preview.text
        note = preview.note or ("Only the beginning of the file is shown; download it for the rest."
                                if preview.truncated else "")
    api = f"/api/v1/workspaces/{quote(scope.workspace.name)}/runs/{quote(run.id, safe='')}/logs"
    return render_run_page(
        request, scope, run, "run_logs.html", "logs", streams=streams, stream=chosen, text=text,
        next_offset=next_offset, complete=complete, note=note, log_api=api,
    )
