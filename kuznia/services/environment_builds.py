"""Building environments into this host's cache, and keeping the cache tidy."""

from __future__ import annotations

from kuznia.entities.environments import EnvironmentBuild, EnvironmentSpec, PruneResult
from kuznia.environments.cache import EnvironmentCache
from kuznia.services import environments
from kuznia.services.access import Action
from kuznia.services.scope import Scope
from kuznia.store import environments as store


def build(scope: Scope, name: str, version: int | None = None) -> EnvironmentBuild:
    """Build (or find cached) a registered environment. Raises InvalidInput with the
    resolver's message when it cannot be built."""
    scope.require(Action.WRITE, "environments")
    spec = environments.get(scope, name, version).spec
    cache = EnvironmentCache(scope.stores.env_cache)
    prepared = cache.prepare(spec, lambda _: None)
    if prepared.key is None:  # user-managed: nothing is built
        from kuznia.entities.common import utcnow

        now = utcnow()
        return EnvironmentBuild(key="user-managed", python=prepared.python, size_bytes=0, created_at=now,
                                last_used_at=now)
    found = cache.build_info(prepared.key)
    assert found is not None  # prepare() returns only finished builds
    return found


def build_keys(scope: Scope, specs: list[EnvironmentSpec]) -> list[str | None]:
    """The cache key each spec builds to (what ``list_builds`` shows), None for a
    user-managed interpreter, which is never built."""
    scope.require(Action.READ, "environments")
    cache = EnvironmentCache(scope.stores.env_cache)
    return [None if spec.python.user_managed_dependencies else cache.key_for(spec) for spec in specs]


def list_builds(scope: Scope) -> list[EnvironmentBuild]:
    """Builds in the cache of this host (shared by the workspaces of the store)."""
    scope.require(Action.READ, "environments")
    return EnvironmentCache(scope.stores.env_cache).builds()


def prune(scope: Scope, unused_for_seconds: float) -> PruneResult:
    """Remove builds no registered environment (of any workspace) maps to and that
    no run used for ``unused_for_seconds``. Owners only."""
    scope.require(Action.OWNER, "environment cache")
    stores = scope.stores
    cache = EnvironmentCache(stores.env_cache)
    with stores.db.read() as conn:
        keep = {cache.key_for(spec) for spec in store.all_specs(conn)}
    return cache.prune(keep, unused_for_seconds)
