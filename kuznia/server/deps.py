"""Dependencies of the routers, as typed aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from kuznia.errors import Forbidden, Unauthorized
from kuznia.services import workspaces
from kuznia.services.access import Action, Principal
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_stores(request: Request) -> Stores:
    return request.app.state.stores


StoresDep = Annotated[Stores, Depends(get_stores)]


def get_principal(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthorized("send an API token as 'Authorization: Bearer <token>'")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _scope(request: Request, stores: Stores, workspace: str, principal: Principal) -> Scope:
    return workspaces.open_scope(stores, workspace, principal)


def get_scope(
    request: Request,
    stores: StoresDep,
    principal: PrincipalDep,
    workspace: Annotated[str, Path(max_length=63, description="workspace name")],
) -> Scope:
    """The workspace of the route and who acts. A route that changes something needs at
    least the contributor role (checked before the body is read); services check the rest."""
    scope = _scope(request, stores, workspace, principal)
    if request.method not in READ_METHODS and principal.kind == "user":
        try:
            scope.require(Action.WRITE)
        except Forbidden:
            raise Forbidden(f"{request.method} {request.url.path} changes workspace {workspace!r}; "
                            f"your role there is {scope.role.value if scope.role else 'none'}. "
                            "Ask an owner for the contributor role.") from None
    return scope


def get_read_scope(
    request: Request,
    stores: StoresDep,
    principal: PrincipalDep,
    workspace: Annotated[str, Path(max_length=63, description="workspace name")],
) -> Scope:
    """For POST routes that only read (searches with a body): the reader role is enough."""
    return _scope(request, stores, workspace, principal)


ScopeDep = Annotated[Scope, Depends(get_scope)]
ReadScopeDep = Annotated[Scope, Depends(get_read_scope)]
RunIdPath = Annotated[str, Path(max_length=300, description="run id")]
