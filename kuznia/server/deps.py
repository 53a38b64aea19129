"""Dependencies of the routers, as typed aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from kuznia.services import workspaces
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores


def get_stores(request: Request) -> Stores:
    return request.app.state.stores


StoresDep = Annotated[Stores, Depends(get_stores)]


def get_scope(
    request: Request,
    stores: StoresDep,
    workspace: Annotated[str, Path(max_length=63, description="workspace name")],
) -> Scope:
    cache: dict[str, Scope] = request.app.state.scopes
    scope = cache.get(workspace)
    if scope is None:
        scope = workspaces.open_scope(stores, workspace)
        cache[workspace] = scope
    return scope


ScopeDep = Annotated[Scope, Depends(get_scope)]
RunIdPath = Annotated[str, Path(max_length=300, description="run id")]
