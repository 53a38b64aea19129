"""Users, API tokens, workspace members and authentication."""

from __future__ import annotations

import secrets
import uuid

from kuznia.entities.common import parse, utcnow
from kuznia.entities.users import (
    Member,
    MemberSet,
    Role,
    TokenCreate,
    TokenCreated,
    TokenInfo,
    User,
    UserCreate,
    WhoAmI,
)
from kuznia.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from kuznia.services import audit
from kuznia.services.access import (
    ROLES,
    RUN_TOKEN_PREFIX,
    USER_TOKEN_PREFIX,
    Action,
    Principal,
    TokenCache,
    hash_token,
)
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores
from kuznia.store import runs as run_store
from kuznia.store import tokens as run_tokens
from kuznia.store import users as store
from kuznia.store import workspaces as workspace_store
from kuznia.store.audit import record as record_audit

_CACHE = TokenCache()


def _require_admin(principal: Principal, what: str) -> None:
    if principal.kind == "local":
        raise InvalidState(f"an embedded workspace is single-user: {what} needs a server")
    if not principal.is_admin:
        raise Forbidden(f"{what} needs a server admin")


def init_admin(stores: Stores, name: str = "admin", token: str | None = None) -> TokenCreated | None:
    """On a server with no users yet, create the first admin and return its token (shown once).

    ``token`` (e.g. from ``KUZNIA_ADMIN_TOKEN``) sets that token instead of a random one, for
    servers set up by automation."""
    if token is not None and (not token.startswith(USER_TOKEN_PREFIX) or len(token) < 32):
        raise InvalidInput(f"an admin token must start with {USER_TOKEN_PREFIX!r} and be at least 32 characters")
    with stores.db.write() as conn:
        if store.count_users(conn) > 0:
            return None
        user = store.insert_user(conn, {"id": str(uuid.uuid4()), "name": name, "is_admin": True,
                                        "disabled": False, "created_at": utcnow()})
        return _new_token(conn, user, "initial admin token", token)


def _new_token(conn, user: User, name: str, token: str | None = None) -> TokenCreated:  # noqa: ANN001
    token = token or USER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token_id, prefix = str(uuid.uuid4()), token[:12]
    store.insert_token(conn, {"id": token_id, "user_id": user.id, "name": name, "token_hash": hash_token(token),
                              "prefix": prefix, "created_at": now})
    return TokenCreated(id=token_id, user=user.name, name=name, prefix=prefix, created_at=now, token=token)


def authenticate(stores: Stores, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None when it is unknown, revoked or disabled."""
    key = f"{id(stores)}:{hash_token(token)}"
    known, principal = _CACHE.get(key)
    if known:
        return principal
    generation = _CACHE.generation
    principal = None
    with stores.db.read() as conn:
        if token.startswith(RUN_TOKEN_PREFIX):
            run_id = run_tokens.run_for_token(conn, token)
            state = run_store.read_workspace_of(conn, run_id) if run_id else None
            if state is not None:
                principal = Principal(kind="run", name=run_id or "", run_id=run_id, workspace_id=state)
        elif token.startswith(USER_TOKEN_PREFIX):
            found = store.token_owner(conn, hash_token(token))
            if found is not None:
                row, user = found
                principal = Principal(kind="user", name=user.name, user_id=user.id, is_admin=user.is_admin)
                touch = row.id
            else:
                touch = None
    if principal is not None and principal.kind == "user" and touch:
        with stores.db.write() as conn:
            store.touch_token(conn, touch, utcnow())
    if principal is None or principal.kind != "run":
        # A run token dies with its run (inside whatever transaction ends the run, on any
        # server process), so it is looked up every time rather than trusted for seconds.
        _CACHE.put(key, principal, generation)
    return principal


def forget_cached_tokens() -> None:
    """After a change of tokens, users or members: forget what the caches answered."""
    _CACHE.clear()
    ROLES.clear()


def role_in(stores: Stores, principal: Principal, workspace_id: str) -> Role | None:
    if principal.user_id is None:
        return None
    with stores.db.read() as conn:
        return store.role_of(conn, workspace_id, principal.user_id)


# users and tokens ------------------------------------------------------------------------------
def create_user(stores: Stores, principal: Principal, data: UserCreate) -> User:
    """Admins only."""
    _require_admin(principal, "creating users")
    data = parse(UserCreate, data)
    with stores.db.write() as conn:
        user = store.insert_user(conn, {"id": str(uuid.uuid4()), "name": data.name, "is_admin": data.is_admin,
                                        "disabled": False, "created_at": utcnow()})
        record_audit(conn, None, principal.actor, "user.create", f"user:{user.name}", {"admin": data.is_admin})
    return user


def list_users(stores: Stores, principal: Principal) -> list[User]:
    _require_admin(principal, "listing users")
    with stores.db.read() as conn:
        return store.list_users(conn)


def set_user_disabled(stores: Stores, principal: Principal, name: str, disabled: bool) -> User:
    """Admins only; a disabled user's tokens stop working at once."""
    _require_admin(principal, "disabling users")
    with stores.db.write() as conn:
        user = store.read_user(conn, name=name)
        if user is None:
            raise NotFound(f"no user named {name!r}")
        if user.id == principal.user_id and disabled:
            raise InvalidInput("you cannot disable yourself")
        store.set_disabled(conn, user.id, disabled)
        record_audit(conn, None, principal.actor, "user.disable" if disabled else "user.enable", f"user:{name}")
    forget_cached_tokens()
    return _user(stores, name)


def _user(stores: Stores, name: str) -> User:
    with stores.db.read() as conn:
        user = store.read_user(conn, name=name)
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def create_token(stores: Stores, principal: Principal, data: TokenCreate) -> TokenCreated:
    """A new token for yourself (or, for admins, for anyone). Shown once."""
    data = parse(TokenCreate, data)
    if principal.kind != "user":
        raise Forbidden("only users have API tokens")
    name = data.user or principal.name
    if name != principal.name:
        _require_admin(principal, "creating tokens for other users")
    user = _user(stores, name)
    with stores.db.write() as conn:
        created = _new_token(conn, user, data.name)
        record_audit(conn, None, principal.actor, "token.create", f"user:{name}", {"prefix": created.prefix})
    return created


def list_tokens(stores: Stores, principal: Principal, user: str | None = None) -> list[TokenInfo]:
    if principal.kind != "user":
        raise Forbidden("only users have API tokens")
    if user is not None and user != principal.name:
        _require_admin(principal, "listing other users' tokens")
    target = _user(stores, user or principal.name)
    with stores.db.read() as conn:
        return store.list_tokens(conn, target.id)


def revoke_token(stores: Stores, principal: Principal, token_id: str) -> TokenInfo:
    """Revoke one of your tokens (admins: anyone's). It stops working within seconds."""
    if principal.kind != "user":
        raise Forbidden("only users have API tokens")
    with stores.db.write() as conn:
        row = store.read_token(conn, token_id)
        if row is None or (row.user_id != principal.user_id and not principal.is_admin):
            raise NotFound(f"no token {token_id!r} of yours")
        store.revoke_token(conn, token_id, utcnow())
        record_audit(conn, None, principal.actor, "token.revoke", f"token:{row.prefix}")
        tokens = store.list_tokens(conn, row.user_id)
    forget_cached_tokens()
    return next(t for t in tokens if t.id == token_id)


def whoami(stores: Stores, principal: Principal) -> WhoAmI:
    roles: dict[str, Role] = {}
    if principal.user_id is not None:
        with stores.db.read() as conn:
            ids = store.roles_of(conn, principal.user_id)
            for workspace in workspace_store.list_workspaces(conn, 0, 100_000):
                if workspace.id in ids:
                    roles[workspace.name] = ids[workspace.id]
    return WhoAmI(kind=principal.kind, name=principal.name, is_admin=principal.is_admin, roles=roles)


# members ---------------------------------------------------------------------------------------------
def list_members(scope: Scope) -> list[Member]:
    scope.require(Action.READ, "members")
    with scope.stores.db.read() as conn:
        return store.list_members(conn, scope.workspace_id)


def set_member(scope: Scope, data: MemberSet) -> Member:
    """Add a user to the workspace or change their role. Owners only."""
    scope.require(Action.OWNER, "members")
    data = parse(MemberSet, data)
    with scope.stores.db.write() as conn:
        user = store.read_user(conn, name=data.user)
        if user is None:
            raise NotFound(f"no user named {data.user!r}; an admin creates users with `kuznia user create`")
        current = store.role_of(conn, scope.workspace_id, user.id)
        if current == Role.OWNER and data.role != Role.OWNER and store.count_owners(conn, scope.workspace_id) == 1:
            raise Conflict(f"{data.user} is the last owner of {scope.workspace.name!r}; add another owner first")
        store.set_member(conn, scope.workspace_id, user.id, data.role, utcnow())
    forget_cached_tokens()
    audit.record(scope, "member.set", f"user:{data.user}", role=data.role.value)
    return next(m for m in list_members(scope) if m.user == data.user)


def remove_member(scope: Scope, name: str) -> None:
    scope.require(Action.OWNER, "members")
    with scope.stores.db.write() as conn:
        user = store.read_user(conn, name=name)
        role = store.role_of(conn, scope.workspace_id, user.id) if user else None
        if user is None or role is None:
            raise NotFound(f"{name!r} is not a member of {scope.workspace.name!r}")
        if role == Role.OWNER and store.count_owners(conn, scope.workspace_id) == 1:
            raise Conflict(f"{name} is the last owner of {scope.workspace.name!r}; add another owner first")
        store.remove_member(conn, scope.workspace_id, user.id)
    forget_cached_tokens()
    audit.record(scope, "member.remove", f"user:{name}")
