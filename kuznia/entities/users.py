"""Users, API tokens, workspace roles and the audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from kuznia.entities.common import Entity, Page, Resource, WorkspaceName


class Role(StrEnum):
    READER = "reader"
    CONTRIBUTOR = "contributor"
    OWNER = "owner"


ROLE_RANK = {Role.READER: 1, Role.CONTRIBUTOR: 2, Role.OWNER: 3}


class UserCreate(Entity):
    name: WorkspaceName
    is_admin: bool = False


class User(Resource):
    id: str
    name: str
    is_admin: bool
    disabled: bool
    created_at: datetime


class TokenCreate(Entity):
    name: str = Field(default="token", min_length=1, max_length=100)
    user: WorkspaceName | None = Field(default=None, description="admins may create tokens for others")


class TokenInfo(Resource):
    """A token as listed: never the token itself, only its first characters."""

    id: str
    user: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class TokenCreated(TokenInfo):
    token: str = Field(description="shown once; only its hash is stored")


class MemberSet(Entity):
    user: WorkspaceName
    role: Role


class Member(Resource):
    user: str
    role: Role
    added_at: datetime


class WhoAmI(Resource):
    kind: str = Field(description="user, run or local")
    name: str
    is_admin: bool = False
    roles: dict[str, Role] = Field(default_factory=dict)


class AuditEntry(Resource):
    id: int
    at: datetime
    actor: str
    action: str
    resource: str
    details: dict[str, Any] = Field(default_factory=dict)


AuditList = Page[AuditEntry]
