"""Workspaces: the top-level resource that owns everything else."""

from __future__ import annotations

from datetime import datetime

from kuznia.entities.common import Entity, Page, Resource, Text, WorkspaceName


class WorkspaceCreate(Entity):
    name: WorkspaceName
    description: Text = ""


class Workspace(Resource):
    id: str
    name: WorkspaceName
    description: str = ""
    created_at: datetime


WorkspaceList = Page[Workspace]
