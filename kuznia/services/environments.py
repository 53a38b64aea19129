"""Environments: register versions, look them up, build them into the cache."""

from __future__ import annotations

from kuznia.entities.common import check_name, parse
from kuznia.entities.environments import EnvironmentList, EnvironmentSpec, EnvironmentVersion
from kuznia.environments.cache import check_fetch_targets
from kuznia.errors import NotFound, ServiceUnavailable
from kuznia.services import audit
from kuznia.services.access import Action
from kuznia.services.scope import Scope
from kuznia.store import environments as store
from kuznia.store.paging import decode_page_token, next_token


def register(scope: Scope, spec: EnvironmentSpec) -> EnvironmentVersion:
    """Store ``spec`` as the next version of its name — or return the latest version
    when it is the same definition (registering twice makes no new version)."""
    scope.require(Action.WRITE, "environments")
    spec = parse(EnvironmentSpec, spec)
    check_fetch_targets(spec)  # refused at once rather than at the first build
    for _ in range(20):  # concurrent registrations retry on a taken version number
        with scope.stores.db.write() as conn:
            latest = store.latest_version(conn, scope.workspace_id, spec.name)
            if latest is not None and latest.spec.same_definition(spec):
                return latest
            created = store.insert_next_version(conn, scope.workspace_id, spec)
        if created is not None:
            audit.record(scope, "environment.register", f"environment:{created.name}:{created.version}")
            return created
    raise ServiceUnavailable(f"environment {spec.name!r}: too many concurrent registrations; try again")


def get(scope: Scope, name: str, version: int | None = None) -> EnvironmentVersion:
    """A version of an environment (the latest when ``version`` is None). Raises NotFound."""
    scope.require(Action.READ, "environments")
    check_name("environment name", name, 63)
    with scope.stores.db.read() as conn:
        found = (store.latest_version(conn, scope.workspace_id, name) if version is None
                 else store.read_version(conn, scope.workspace_id, name, version))
    if found is None:
        which = f"version {version} of " if version is not None else ""
        raise NotFound(f"{which}environment {name!r} not found; list them with `kuznia environment list`")
    return found


def list_latest(scope: Scope, page_token: str | None = None, max_results: int = 100) -> EnvironmentList:
    """The latest version of each environment, by name."""
    scope.require(Action.READ, "environments")
    offset = decode_page_token(page_token)
    with scope.stores.db.read() as conn:
        rows = store.list_latest(conn, scope.workspace_id, offset, max_results + 1)
    return EnvironmentList(items=rows[:max_results], next_page_token=next_token(offset, max_results, len(rows)))


def list_versions(scope: Scope, name: str) -> list[EnvironmentVersion]:
    get(scope, name)
    with scope.stores.db.read() as conn:
        return store.list_versions(conn, scope.workspace_id, name)
