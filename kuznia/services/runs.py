"""Runs: creation, status rules, tags, properties, listing and children."""

from __future__ import annotations

from typing import Any

from kuznia.entities.common import check_run_id, parse, utcnow
from kuznia.entities.experiments import ExperimentCreate
from kuznia.entities.runs import (
    PropertiesUpdate,
    Run,
    RunCreate,
    RunList,
    RunQuery,
    RunStatus,
    RunUpdate,
    TagsUpdate,
    can_transition,
)
from kuznia.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from kuznia.services import audit, names
from kuznia.services.access import Action
from kuznia.services.experiments import ensure_experiment
from kuznia.services.scope import Scope
from kuznia.store import experiments as experiment_store
from kuznia.store import runs as store
from kuznia.store import tokens as token_store
from kuznia.store.tables import run_tags


def create_run(scope: Scope, data: RunCreate, extra: dict[str, Any] | None = None) -> Run:
    """Start a run in an experiment (created on first use). Raises NotFound for an unknown parent.

    ``extra`` holds columns of submitted runs (compute target, snapshot, definition)."""
    data = parse(RunCreate, data)
    if data.parent_run_id is None:
        if scope.principal.kind == "run":
            raise Forbidden("a run's token may only create runs under its own run")
        scope.require(Action.WRITE, "runs")
    else:
        with scope.stores.db.read() as conn:
            require_run(scope, conn, data.parent_run_id, action=Action.WRITE)
        parent = get_run(scope, data.parent_run_id)
        if parent.experiment_name != data.experiment_name:
            raise InvalidInput(
                f"experiment_name: a child run belongs to its parent's experiment "
                f"{parent.experiment_name!r}, not {data.experiment_name!r}"
            )
    experiment = ensure_experiment(scope, ExperimentCreate(name=data.experiment_name))
    now = utcnow()
    run_id = data.run_id or names.run_id(data.experiment_name)
    with scope.stores.db.write() as conn:
        number = experiment_store.take_run_number(conn, experiment.id, now)
        row = {
            "id": run_id,
            "workspace_id": scope.workspace_id,
            "experiment_id": experiment.id,
            "number": number,
            "display_name": data.display_name or names.display_name(),
            "description": data.description,
            "run_type": data.run_type,
            "status": data.status.value,
            "parent_run_id": data.parent_run_id,
            "created_at": now,
            "start_time": now if data.status == RunStatus.RUNNING else None,
            "heartbeat_at": now,
            "timeline": [[data.status.value, now.isoformat()]],
            **(extra or {}),
        }
        store.insert_run(conn, row, data.tags, data.properties)
    audit.record(scope, "run.create", f"run:{run_id}", experiment=data.experiment_name, status=data.status.value)
    return get_run(scope, run_id)


def get_run(scope: Scope, run_id: str) -> Run:
    """Raises NotFound when the workspace has no such run, Forbidden when it is not the principal's to read."""
    check_run_id(run_id)
    with scope.stores.db.read() as conn:
        found = store.read_run(conn, scope.workspace_id, run_id)
        if found is None:
            raise NotFound(f"run {run_id!r} not found in workspace {scope.workspace.name!r}")
        check_run_access(scope, conn, run_id, Action.READ)
    return found


def require_run(scope: Scope, conn: Any, run_id: str, for_update: bool = False,
                action: Action = Action.READ) -> RunStatus:
    """The run's status inside an open transaction, once the principal may do ``action``
    to it; raises NotFound or Forbidden."""
    check_run_id(run_id)
    status = store.read_status(conn, scope.workspace_id, run_id, for_update=for_update)
    if status is None:
        raise NotFound(f"run {run_id!r} not found in workspace {scope.workspace.name!r}")
    check_run_access(scope, conn, run_id, action)
    return status


def check_run_access(scope: Scope, conn: Any, run_id: str, action: Action) -> None:
    """A run's token reaches its own run and the runs under it; others need their role."""
    principal = scope.principal
    if principal.kind == "run":
        if run_id != principal.run_id and principal.run_id not in store.ancestors(conn, run_id):
            raise Forbidden(f"a run's token may only act on its own run and its children, not {run_id!r}")
        return
    scope.require(action, "runs")


def status_change(run_id: str, state: dict[str, Any], new: RunStatus) -> dict[str, Any]:
    """Columns to write for a status change of a run in ``state`` (from store.read_state).

    Raises InvalidState for a change ALLOWED_TRANSITIONS does not allow.
    """
    current = RunStatus(state["status"])
    if new == current:
        return {}
    if not can_transition(current, new):
        if current.is_terminal:
            raise InvalidState(f"run {run_id!r} is {current.value} and cannot become {new.value}")
        raise InvalidState(f"run {run_id!r} cannot go from {current.value} to {new.value}")
    now = utcnow()
    values: dict[str, Any] = {
        "status": new.value,
        "heartbeat_at": now,
        "timeline": [*(state.get("timeline") or []), [new.value, now.isoformat()]],
    }
    if new in (RunStatus.PREPARING, RunStatus.STARTING, RunStatus.RUNNING) and state.get("start_time") is None:
        values["start_time"] = now
    if new.is_terminal:
        values["end_time"] = now
    return values


def change_status(scope: Scope, conn: Any, run_id: str, new: RunStatus, extra: dict[str, Any] | None = None) -> None:
    """Apply a status change inside an open write transaction (locks the run first)."""
    check_run_id(run_id)
    state = store.read_state(conn, scope.workspace_id, run_id, for_update=True)
    if state is None:
        raise NotFound(f"run {run_id!r} not found in workspace {scope.workspace.name!r}")
    values = status_change(run_id, state, new)
    if values or extra:
        store.update_run_row(conn, run_id, {**values, **(extra or {})})
    if new.is_terminal and values:
        token_store.revoke_run_tokens(conn, run_id)  # a run token is valid only while its run lives


def update_run(scope: Scope, run_id: str, data: RunUpdate) -> Run:
    """Apply the fields that are set. Status changes follow ALLOWED_TRANSITIONS (InvalidState otherwise)."""
    data = parse(RunUpdate, data)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    with scope.stores.db.write() as conn:
        require_run(scope, conn, run_id, for_update=True, action=Action.WRITE)
        values: dict[str, Any] = {}
        if "display_name" in changes:
            values["display_name"] = data.display_name
        if "description" in changes:
            values["description"] = data.description
        if data.error is not None:
            values["error"] = data.error.model_dump(exclude_none=True)
        if data.status is not None:
            change_status(scope, conn, run_id, data.status, values)
        else:
            store.update_run_row(conn, run_id, values)
    audit.record(scope, "run.update", f"run:{run_id}", **{k: str(v)[:200] for k, v in changes.items() if k != "error"})
    return get_run(scope, run_id)


def cancel_run(scope: Scope, run_id: str) -> Run:
    """Cancel a live run: an interactive or still-queued run ends Canceled at once; a
    started submitted run goes to CancelRequested and its bootstrap stops it. Raises
    InvalidState for a run that has already ended."""
    run = get_run(scope, run_id)
    with scope.stores.db.read() as conn:
        check_run_access(scope, conn, run_id, Action.WRITE)
    if run.status.is_terminal:
        raise InvalidState(f"run {run_id!r} already ended ({run.status.value}); nothing to cancel")
    if run.status == RunStatus.CANCEL_REQUESTED:
        return run
    not_started = run.status in (RunStatus.NOT_STARTED, RunStatus.QUEUED)
    target = RunStatus.CANCELED if run.compute_target is None or not_started else RunStatus.CANCEL_REQUESTED
    return update_run(scope, run_id, RunUpdate(status=target))


def update_tags(scope: Scope, run_id: str, data: TagsUpdate) -> Run:
    """Set and remove tags (tags are mutable; properties are not)."""
    data = parse(TagsUpdate, data)
    with scope.stores.db.write() as conn:
        require_run(scope, conn, run_id, action=Action.WRITE)
        store.remove_tags(conn, run_id, data.remove)
        store.set_key_values(conn, run_tags, run_id, data.set)
    audit.record(scope, "run.tags", f"run:{run_id}", set=sorted(data.set), removed=sorted(data.remove))
    return get_run(scope, run_id)


def add_properties(scope: Scope, run_id: str, data: PropertiesUpdate) -> Run:
    """Add write-once properties. Setting an existing key to a different value raises Conflict."""
    data = parse(PropertiesUpdate, data)
    with scope.stores.db.write() as conn:
        require_run(scope, conn, run_id, for_update=True, action=Action.WRITE)
        existing = store.read_properties(conn, run_id, list(data.properties))
        changed = sorted(k for k, v in existing.items() if data.properties[k] != v)
        if changed:
            raise Conflict(
                f"properties are write-once; {', '.join(map(repr, changed))} already set on run "
                f"{run_id!r}; use a tag for values that change"
            )
        store.add_properties(conn, run_id, data.properties)
    audit.record(scope, "run.properties", f"run:{run_id}", added=sorted(data.properties))
    return get_run(scope, run_id)


def list_runs(scope: Scope, query: RunQuery) -> RunList:
    """Runs matching ``query`` (filter language, order, paging); newest first by default."""
    query = parse(RunQuery, query)
    if scope.principal.kind == "run":
        if query.parent_run_id is None:
            raise Forbidden("a run's token may only list the children of its own run")
        with scope.stores.db.read() as conn:
            require_run(scope, conn, query.parent_run_id)
    else:
        scope.require(Action.READ, "runs")
    experiment_id = None
    if query.experiment_name is not None:
        with scope.stores.db.read() as conn:
            experiment = experiment_store.read_experiment(conn, scope.workspace_id, query.experiment_name)
        if experiment is None:
            return RunList(items=[])
        experiment_id = experiment.id
    with scope.stores.db.read() as conn:
        items, token = store.list_runs(conn, scope.workspace_id, query, experiment_id)
    return RunList(items=items, next_page_token=token)


def get_children(scope: Scope, run_id: str, recursive: bool = False) -> list[Run]:
    """Direct children of a run in creation order, or all descendants with ``recursive``."""
    get_run(scope, run_id)
    found: list[str] = []
    level = [run_id]
    with scope.stores.db.read() as conn:
        while level:
            level = store.child_run_ids(conn, level)
            found.extend(level)
            if not recursive:
                break
        return store.read_runs(conn, scope.workspace_id, found)
