"""The workspace an operation acts in, and who acts."""

from __future__ import annotations

from dataclasses import dataclass

from kuznia.entities.users import Role
from kuznia.entities.workspaces import Workspace
from kuznia.services.access import LOCAL, Action, Principal, check_role
from kuznia.services.stores import Stores


@dataclass(frozen=True)
class Scope:
    stores: Stores
    workspace: Workspace
    principal: Principal = LOCAL
    role: Role | None = None

    @property
    def workspace_id(self) -> str:
        return self.workspace.id

    def require(self, action: Action, resource: str = "workspace") -> None:
        """Raise Forbidden unless the principal may do ``action`` on ``resource`` here."""
        check_role(self.principal, self.role, action, self.workspace.name, resource)
