"""Workspaces."""

from __future__ import annotations

from sqlalchemy import Connection

from kuznia.entities.common import parse, utcnow
from kuznia.entities.users import Role
from kuznia.entities.workspaces import Workspace, WorkspaceCreate, WorkspaceList
from kuznia.errors import Forbidden, NotFound
from kuznia.services.access import LOCAL, ROLES, Principal
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores
from kuznia.store import users as user_store
from kuznia.store import workspaces as store
from kuznia.store.audit import record as record_audit
from kuznia.store.paging import decode_page_token, next_token


def create_workspace(stores: Stores, data: WorkspaceCreate, principal: Principal = LOCAL) -> Workspace:
    """Create a workspace; a user who creates one is its first owner. Raises Conflict when
    the name is taken."""
    data = parse(WorkspaceCreate, data)
    if principal.kind == "run":
        raise Forbidden("a run's token cannot create workspaces")
    with stores.db.write() as conn:
        created = store.create_workspace(conn, data)
        if principal.user_id is not None:
            user_store.set_member(conn, created.id, principal.user_id, Role.OWNER, utcnow())
        record_audit(conn, created.id, principal.actor, "workspace.create", f"workspace:{created.name}")
    return created


def _not_found(name: str) -> NotFound:
    # One message whether the workspace is missing or only not the principal's: who is not a
    # member must not learn which workspace names exist.
    return NotFound(f"workspace {name!r} not found (or you are not a member of it); "
                    "list yours with `kuznia workspace list`")


def _visible(conn: Connection, workspace: Workspace, principal: Principal) -> Role | None:
    """The principal's role; NotFound when the workspace is not theirs to see."""
    if principal.is_all_powerful:
        return None
    if principal.kind == "run":
        if principal.workspace_id != workspace.id:
            raise _not_found(workspace.name)
        return None
    key = (workspace.id, principal.user_id or "")
    known, role = ROLES.get(key)
    if not known:
        generation = ROLES.generation
        role = user_store.role_of(conn, *key)
        ROLES.put(key, role, generation)
    if role is None:
        raise _not_found(workspace.name)
    return role


def get_workspace(stores: Stores, name: str, principal: Principal = LOCAL) -> Workspace:
    """The workspace called ``name``. Raises NotFound (also for workspaces the principal may not see)."""
    with stores.db.read() as conn:
        found = store.read_workspace(conn, name)
        if found is None:
            raise _not_found(name)
        _visible(conn, found, principal)
    return found


def open_scope(stores: Stores, name: str, principal: Principal = LOCAL) -> Scope:
    """The scope of an operation: the workspace, who acts, and their role there."""
    with stores.db.read() as conn:  # one transaction for both reads: this runs on every request
        found = store.read_workspace(conn, name)
        if found is None:
            raise _not_found(name)
        role = _visible(conn, found, principal)
    return Scope(stores=stores, workspace=found, principal=principal, role=role)


def list_workspaces(stores: Stores, page_token: str | None = None, max_results: int = 100,
                    principal: Principal = LOCAL) -> WorkspaceList:
    """Workspaces by name: all of them for admins, the ones they belong to for users."""
    offset = decode_page_token(page_token)
    with stores.db.read() as conn:
        if principal.is_all_powerful:
            rows = store.list_workspaces(conn, offset, max_results + 1)
        elif principal.kind == "run":
            rows = [w for w in store.list_workspaces(conn, 0, 100_000) if w.id == principal.workspace_id]
        else:
            member_of = user_store.roles_of(conn, principal.user_id or "")
            rows = [w for w in store.list_workspaces(conn, 0, 100_000) if w.id in member_of][
                offset : offset + max_results + 1]
    return WorkspaceList(items=rows[:max_results], next_page_token=next_token(offset, max_results, len(rows)))
