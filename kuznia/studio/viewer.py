"""Who is looking at Studio: the principal of the request (a user with a session, or the
local user of an embedded workspace) and what they may do in the page's workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from kuznia.entities.users import ROLE_RANK, Role
from kuznia.services.access import LOCAL, Principal


@dataclass(frozen=True)
class Viewer:
    name: str
    is_authenticated: bool
    can_contribute: bool  # contributor or owner: may cancel runs, edit tags, …
    is_owner: bool = False  # may see endpoint keys, members, secrets settings

    @property
    def session_id(self) -> str:
        """What CSRF tokens are bound to."""
        return self.name


LOCAL_USER = Viewer(name="local", is_authenticated=False, can_contribute=True, is_owner=True)


def _role(request: Request, principal: Principal) -> Role | None:
    workspace = request.path_params.get("workspace")
    if workspace is None or principal.user_id is None:
        return None
    from kuznia.services import workspaces
    from kuznia.services.users import role_in

    try:
        found = workspaces.get_workspace(request.app.state.stores, workspace, principal)
    except Exception:  # not visible: the page itself will say so
        return None
    return role_in(request.app.state.stores, principal, found.id)


def current_viewer(request: Request) -> Viewer:
    principal: Principal = getattr(request.state, "principal", None) or LOCAL
    if principal.kind == "local":
        return LOCAL_USER
    if principal.is_admin:
        return Viewer(name=principal.name, is_authenticated=True, can_contribute=True, is_owner=True)
    role = _role(request, principal)
    rank = ROLE_RANK[role] if role else 0
    return Viewer(name=principal.name, is_authenticated=True, can_contribute=rank >= ROLE_RANK[Role.CONTRIBUTOR],
                  is_owner=rank >= ROLE_RANK[Role.OWNER])


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
