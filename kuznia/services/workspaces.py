"""Workspaces."""

from __future__ import annotations

from kuznia.entities.common import parse
from kuznia.entities.workspaces import Workspace, WorkspaceCreate, WorkspaceList
from kuznia.errors import NotFound
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores
from kuznia.store import workspaces as store
from kuznia.store.paging import decode_page_token, next_token


def create_workspace(stores: Stores, data: WorkspaceCreate) -> Workspace:
    """Create a workspace. Raises Conflict when the name is taken."""
    data = parse(WorkspaceCreate, data)
    with stores.db.write() as conn:
        return store.create_workspace(conn, data)


def get_workspace(stores: Stores, name: str) -> Workspace:
    """The workspace called ``name``. Raises NotFound."""
    with stores.db.read() as conn:
        found = store.read_workspace(conn, name)
    if found is None:
        raise NotFound(f"workspace {name!r} not found; list them with `kuznia workspace list`")
    return found


def open_scope(stores: Stores, name: str) -> Scope:
    return Scope(stores=stores, workspace=get_workspace(stores, name))


def list_workspaces(stores: Stores, page_token: str | None = None, max_results: int = 100) -> WorkspaceList:
    offset = decode_page_token(page_token)
    with stores.db.read() as conn:
        rows = store.list_workspaces(conn, offset, max_results + 1)
    return WorkspaceList(items=rows[:max_results], next_page_token=next_token(offset, max_results, len(rows)))
