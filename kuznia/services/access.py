"""Who is asking, and what they may do.

Principals: ``local`` (an embedded workspace: its single user may do
everything), ``user`` (a person or service with an API token; a server admin may
do everything, others what their role in the workspace allows) and ``run``
(a submitted run's token: its own run and the runs under it, reads of the
workspace's compute, environments and models, model registration, and the key
vault — until the run ends).

    role         READ   WRITE (runs, models, environments, deployments)   OWNER (secrets, members, keys, audit)
    reader        yes    no                                                  no
    contributor   yes    yes                                                 no
    owner         yes    yes                                                 yes
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from kuznia.entities.users import ROLE_RANK, Role
from kuznia.errors import Forbidden

K = TypeVar("K")
V = TypeVar("V")

USER_TOKEN_PREFIX = "kzu_"
RUN_TOKEN_PREFIX = "kzr_"
CACHE_SECONDS = 5.0


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    OWNER = "owner"
    SECRETS_READ = "secrets-read"


_NEEDED = {Action.READ: Role.READER, Action.WRITE: Role.CONTRIBUTOR, Action.OWNER: Role.OWNER,
           Action.SECRETS_READ: Role.OWNER}
_WORDS = {Action.READ: "reading", Action.WRITE: "changing", Action.OWNER: "managing",
          Action.SECRETS_READ: "reading the secrets of"}
# What a run token may touch beyond its own runs.
RUN_READABLE = frozenset({"workspace", "experiments", "compute", "environments", "models", "secrets"})
RUN_WRITABLE = frozenset({"models", "experiments"})


@dataclass(frozen=True)
class Principal:
    kind: str  # local | user | run
    name: str
    user_id: str | None = None
    is_admin: bool = False
    run_id: str | None = None
    workspace_id: str | None = None

    @property
    def actor(self) -> str:
        return self.kind if self.kind == "local" else f"{self.kind}:{self.name}"

    @property
    def is_all_powerful(self) -> bool:
        return self.kind == "local" or self.is_admin


LOCAL = Principal(kind="local", name="local")


def check_role(principal: Principal, role: Role | None, action: Action, workspace: str, resource: str) -> None:
    """Raise Forbidden unless ``principal`` (with ``role`` in the workspace) may do ``action``."""
    if principal.is_all_powerful:
        return
    if principal.kind == "run":
        allowed = (action == Action.READ and resource in RUN_READABLE) or (
            action == Action.WRITE and resource in RUN_WRITABLE) or action == Action.SECRETS_READ
        if not allowed:
            raise Forbidden(f"a run's token may only act on its own run, not on the {resource} of {workspace!r}")
        return
    needed = _NEEDED[action]
    if role is None or ROLE_RANK[role] < ROLE_RANK[needed]:
        have = role.value if role else "no role"
        raise Forbidden(f"{_WORDS[action]} the {resource} of workspace {workspace!r} needs the {needed.value} role; "
                        f"{principal.name} has {have}. Ask an owner: kuznia workspace member add")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ExpiringCache(Generic[K, V]):
    """Answers kept for a few seconds, so a burst of requests costs one lookup. A change
    (revoking a token, disabling a user, changing a member) clears it; a lookup that read the
    database before that clear carries the older ``generation`` and is not kept (it may
    have seen the old answer). Other server processes see a change within CACHE_SECONDS."""

    def __init__(self) -> None:
        self._entries: dict[K, tuple[float, V | None]] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, key: K) -> tuple[bool, V | None]:
        hit = self._entries.get(key)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: K, value: V | None, generation: int | None = None) -> None:
        with self._lock:
            if generation is not None and generation != self.generation:
                return  # read before a change: do not trust it for the next seconds
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + CACHE_SECONDS, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1


class TokenCache(ExpiringCache[str, "Principal"]):
    """Principals of recently seen tokens."""


# (workspace id, user id) -> role; cleared whenever members or users change.
ROLES: ExpiringCache[tuple[str, str], Role] = ExpiringCache()
