"""Compute targets, the run dispatcher and the heartbeat reaper.

There is no always-on agent: ``tick`` (reap stale runs, then start queued runs
up to each target's ``max_concurrent_runs``, oldest first) runs in the server's
background loop, after each submit, when a bootstrap ends, and while an
embedded client waits for a run. Claims happen in one write transaction, so two
processes never start the same run.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta
from typing import Any

from kuznia.compute.local import (
    LaunchRequest,
    LocalLauncher,
    is_bootstrap_alive,
    kill_process_tree,
    process_started,
    this_host,
)
from kuznia.entities.common import check_name, parse, utcnow
from kuznia.entities.compute import (
    ComputeSettings,
    ComputeTarget,
    ComputeTargetCreate,
    ComputeTargetUpdate,
)
from kuznia.entities.heartbeats import Heartbeat, HeartbeatReply
from kuznia.entities.runs import ErrorDetails, RunStatus
from kuznia.errors import Conflict, InvalidState, NotFound
from kuznia.services import audit
from kuznia.services.access import RUN_TOKEN_PREFIX, Action
from kuznia.services.runs import change_status, require_run
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores
from kuznia.store import compute as store
from kuznia.store import runs as run_store
from kuznia.store import tokens as token_store

launcher = LocalLauncher()


def list_targets(scope: Scope) -> list[ComputeTarget]:
    """Compute targets of the workspace (``local`` always exists), with run counts."""
    scope.require(Action.READ, "compute")
    with scope.stores.db.write() as conn:
        store.ensure_default_target(conn, scope.workspace_id)
    with scope.stores.db.read() as conn:
        return store.list_targets(conn, scope.workspace_id)


def get_target(scope: Scope, name: str) -> ComputeTarget:
    """Raises NotFound naming the targets that exist."""
    scope.require(Action.READ, "compute")
    check_name("compute target name", name, 63)
    with scope.stores.db.read() as conn:
        found = store.read_target(conn, scope.workspace_id, name)
    if found is None:
        if name == "local":
            return next(t for t in list_targets(scope) if t.name == "local")
        names = ", ".join(t.name for t in list_targets(scope))
        raise NotFound(f"compute target {name!r} not found; this workspace has: {names}")
    return found


def create_target(scope: Scope, data: ComputeTargetCreate) -> ComputeTarget:
    """Add a compute target. Raises Conflict when the name is taken."""
    scope.require(Action.OWNER, "compute")
    data = parse(ComputeTargetCreate, data)
    with scope.stores.db.write() as conn:
        store.ensure_default_target(conn, scope.workspace_id)
        if not store.insert_target(conn, scope.workspace_id, data.name, data.kind, data.settings):
            raise Conflict(f"compute target {data.name!r} already exists; update it instead")
    audit.record(scope, "compute.create", f"compute:{data.name}", **data.settings.model_dump())
    return get_target(scope, data.name)


def update_target(scope: Scope, name: str, data: ComputeTargetUpdate) -> ComputeTarget:
    """Replace a target's settings (limits and timeouts apply from the next tick)."""
    scope.require(Action.OWNER, "compute")
    data = parse(ComputeTargetUpdate, data)
    get_target(scope, name)
    with scope.stores.db.write() as conn:
        store.update_settings(conn, scope.workspace_id, name, data.settings)
    audit.record(scope, "compute.update", f"compute:{name}", **data.settings.model_dump())
    return get_target(scope, name)


# dispatching ----------------------------------------------------------------------


def dispatch(scope: Scope) -> list[str]:
    """Start queued runs where targets have free slots; returns the ids started."""
    if scope.stores.tracking_uri is None:
        return []  # a store nobody can reach from a bootstrap cannot run anything
    claims: list[tuple[str, str, str]] = []
    with scope.stores.db.write() as conn:
        for target in store.lock_targets(conn, scope.workspace_id):
            settings = ComputeSettings.model_validate(target.settings)
            free = settings.max_concurrent_runs - store.active_count(conn, scope.workspace_id, target.name)
            if free <= 0:
                continue
            for run_id in store.queued_run_ids(conn, scope.workspace_id, target.name, free):
                token = RUN_TOKEN_PREFIX + secrets.token_urlsafe(32)
                token_store.insert_run_token(conn, run_id, token)
                change_status(scope, conn, run_id, RunStatus.PREPARING, {"process_host": this_host()})
                run = run_store.read_run(conn, scope.workspace_id, run_id)
                claims.append((run_id, token, run.experiment_name if run else ""))
    started = []
    for run_id, token, experiment in claims:
        request = LaunchRequest(run_id, scope.workspace.name, experiment, scope.stores.tracking_uri, token,
                                scope.stores.work_root, scope.stores.env_cache)
        try:
            pid = launcher.launch(request)
        except OSError as exc:
            _end(scope, run_id, RunStatus.FAILED, f"could not start the run's process: {exc}")
            continue
        with scope.stores.db.write() as conn:
            run_store.update_run_row(conn, run_id, {"process_id": pid, "process_started": process_started(pid)})
        started.append(run_id)
    return started


def _end(scope: Scope, run_id: str, status: RunStatus, message: str) -> None:
    error = ErrorDetails(message=message, code="SystemError").model_dump(exclude_none=True)
    with scope.stores.db.write() as conn, contextlib.suppress(InvalidState):  # it may have ended meanwhile
        change_status(scope, conn, run_id, status, {"error": error} if status == RunStatus.FAILED else None)


def reap(scope: Scope) -> list[tuple[str, RunStatus]]:
    """Mark runs whose heartbeat stopped: NotResponding after ``not_responding_after_seconds``
    of silence, then Failed (Canceled if a cancel was asked) after ``failed_after_seconds``
    more. A bootstrap known to be gone from this host is NotResponding at once."""
    now = utcnow()
    host = this_host()
    changes: list[tuple[str, RunStatus]] = []
    with scope.stores.db.read() as conn:
        targets = {t.name: t.settings for t in store.list_targets(conn, scope.workspace_id)}
        live = store.live_runs(conn, scope.workspace_id)
    for row in live:
        settings = targets.get(row.compute_target) or ComputeSettings()
        silent = (now - row.heartbeat_at).total_seconds() if row.heartbeat_at else float("inf")
        gone = row.process_host == host and row.process_id is not None and not is_bootstrap_alive(
            row.process_id, row.process_started
        )
        status = RunStatus(row.status)
        if status == RunStatus.PREPARING and not gone:
            silent -= settings.startup_timeout_seconds  # a starting bootstrap has not reported yet
        if status == RunStatus.NOT_RESPONDING and silent > settings.failed_after_seconds:
            final = RunStatus.CANCELED if _cancel_was_requested(row) else RunStatus.FAILED
            if row.process_host == host:
                kill_process_tree(row.script_pid)
            _end(scope, row.id, final,
                 f"the run stopped reporting {silent:.0f} s ago (its process died or its machine went away)")
            changes.append((row.id, final))
        elif status != RunStatus.NOT_RESPONDING and (gone or silent > settings.not_responding_after_seconds):
            with scope.stores.db.write() as conn:
                try:
                    change_status(scope, conn, row.id, RunStatus.NOT_RESPONDING)
                except InvalidState:
                    continue
            changes.append((row.id, RunStatus.NOT_RESPONDING))
    return changes


def _cancel_was_requested(row: Any) -> bool:
    return any(status == RunStatus.CANCEL_REQUESTED.value for status, _ in (row.timeline or []))


def workspaces_with_work(stores: Stores) -> list[str]:
    """Names of workspaces with queued or live submitted runs (what a tick must visit)."""
    with stores.db.read() as conn:
        return store.workspaces_with_work(conn)


def tick(scope: Scope) -> list[str]:
    """Reap, then dispatch. Returns the ids of runs started."""
    reap(scope)
    return dispatch(scope)


def heartbeat(scope: Scope, run_id: str, data: Heartbeat) -> HeartbeatReply:
    """Record that a run's bootstrap is alive; answers with the run's status (so the
    bootstrap learns of a cancel). A NotResponding run that reports again resumes."""
    data = parse(Heartbeat, data)
    with scope.stores.db.write() as conn:
        status = require_run(scope, conn, run_id, for_update=True, action=Action.WRITE)
        values: dict[str, Any] = {"heartbeat_at": utcnow(), "process_host": data.host[:255],
                                  "process_id": data.pid}
        if data.script_pid is not None:
            values["script_pid"] = data.script_pid
        if data.started_at is not None:
            values["process_started"] = data.started_at
        if status == RunStatus.NOT_RESPONDING:
            state = run_store.read_state(conn, scope.workspace_id, run_id) or {}
            previous = [s for s, _ in state.get("timeline") or [] if s != RunStatus.NOT_RESPONDING.value]
            change_status(scope, conn, run_id, RunStatus(previous[-1]) if previous else RunStatus.RUNNING)
            status = RunStatus(previous[-1]) if previous else RunStatus.RUNNING
        if not status.is_terminal:
            run_store.update_run_row(conn, run_id, values)
    return HeartbeatReply(status=status)


def stale_after(settings: ComputeSettings) -> timedelta:
    return timedelta(seconds=settings.not_responding_after_seconds)
