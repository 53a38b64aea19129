"""The workspace an operation acts in."""

from __future__ import annotations

from dataclasses import dataclass

from kuznia.entities.workspaces import Workspace
from kuznia.services.stores import Stores


@dataclass(frozen=True)
class Scope:
    stores: Stores
    workspace: Workspace

    @property
    def workspace_id(self) -> str:
        return self.workspace.id
