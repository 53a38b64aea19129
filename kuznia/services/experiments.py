"""Experiments: created on first use, archived and restored."""

from __future__ import annotations

from kuznia.entities.common import check_name, parse
from kuznia.entities.experiments import (
    Experiment,
    ExperimentCreate,
    ExperimentList,
    ExperimentQuery,
    ExperimentUpdate,
)
from kuznia.errors import NotFound
from kuznia.services import audit
from kuznia.services.access import Action
from kuznia.services.scope import Scope
from kuznia.store import experiments as store


def ensure_experiment(scope: Scope, data: ExperimentCreate) -> Experiment:
    """The experiment called ``data.name``, created when it does not exist yet."""
    scope.require(Action.WRITE, "experiments")
    data = parse(ExperimentCreate, data)
    with scope.stores.db.read() as conn:
        found = store.read_experiment(conn, scope.workspace_id, data.name)
    if found:
        return found
    with scope.stores.db.write() as conn:
        created = store.ensure_experiment(conn, scope.workspace_id, data.name, data.description)
    audit.record(scope, "experiment.create", f"experiment:{data.name}")
    return created


def get_experiment(scope: Scope, name: str) -> Experiment:
    """Raises NotFound when the workspace has no experiment of that name."""
    scope.require(Action.READ, "experiments")
    check_name("experiment name", name)
    with scope.stores.db.read() as conn:
        found = store.read_experiment(conn, scope.workspace_id, name)
    if found is None:
        raise NotFound(
            f"experiment {name!r} not found in workspace {scope.workspace.name!r}; "
            "list them with `kuznia experiment list`"
        )
    return found


def list_experiments(scope: Scope, query: ExperimentQuery) -> ExperimentList:
    scope.require(Action.READ, "experiments")
    query = parse(ExperimentQuery, query)
    with scope.stores.db.read() as conn:
        items, token = store.list_experiments(conn, scope.workspace_id, query)
    return ExperimentList(items=items, next_page_token=token)


def update_experiment(scope: Scope, name: str, data: ExperimentUpdate) -> Experiment:
    """Change the description or archive (``archived=True``) / restore an experiment."""
    scope.require(Action.WRITE, "experiment settings")  # a run token may create experiments, not edit them
    data = parse(ExperimentUpdate, data)
    experiment = get_experiment(scope, name)
    with scope.stores.db.write() as conn:
        store.update_experiment(conn, experiment.id, data)
    audit.record(scope, "experiment.update", f"experiment:{name}", **data.model_dump(exclude_unset=True))
    return get_experiment(scope, name)
