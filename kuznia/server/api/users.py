"""Users, tokens, members, the audit trail and who-am-I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kuznia.entities.users import (
    AuditList,
    Member,
    MemberSet,
    TokenCreate,
    TokenCreated,
    TokenInfo,
    User,
    UserCreate,
    WhoAmI,
)
from kuznia.server.deps import PrincipalDep, ScopeDep, StoresDep
from kuznia.server.responses import json_response
from kuznia.services import audit, users

router = APIRouter(tags=["users"])


@router.get("/whoami", response_model=WhoAmI)
def whoami(stores: StoresDep, principal: PrincipalDep) -> Response:
    """Who this token belongs to and their roles."""
    return json_response(users.whoami(stores, principal))


@router.post("/users", response_model=User, status_code=201)
def create_user(data: UserCreate, stores: StoresDep, principal: PrincipalDep) -> Response:
    """Create a user (admins only); give them a token with POST /tokens."""
    return json_response(users.create_user(stores, principal, data), 201)


@router.get("/users", response_model=list[User])
def list_users(stores: StoresDep, principal: PrincipalDep) -> Response:
    """All users (admins only)."""
    return json_response(users.list_users(stores, principal), item_type=User)


@router.post("/users/{name}/disable", response_model=User)
def disable_user(name: str, stores: StoresDep, principal: PrincipalDep) -> Response:
    """Disable a user: their tokens stop working (admins only)."""
    return json_response(users.set_user_disabled(stores, principal, name, True))


@router.post("/users/{name}/enable", response_model=User)
def enable_user(name: str, stores: StoresDep, principal: PrincipalDep) -> Response:
    """Enable a disabled user again (admins only)."""
    return json_response(users.set_user_disabled(stores, principal, name, False))


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(data: TokenCreate, stores: StoresDep, principal: PrincipalDep) -> Response:
    """A new API token, shown once (admins may create one for another user)."""
    return json_response(users.create_token(stores, principal, data), 201)


@router.get("/tokens", response_model=list[TokenInfo])
def list_tokens(stores: StoresDep, principal: PrincipalDep,
                user: Annotated[str | None, Query(max_length=63)] = None) -> Response:
    """Your tokens (admins: anyone's), without the tokens themselves."""
    return json_response(users.list_tokens(stores, principal, user), item_type=TokenInfo)


@router.post("/tokens/{token_id}/revoke", response_model=TokenInfo)
def revoke_token(token_id: str, stores: StoresDep, principal: PrincipalDep) -> Response:
    """Revoke a token; it stops working within seconds."""
    return json_response(users.revoke_token(stores, principal, token_id))


@router.get("/workspaces/{workspace}/members", response_model=list[Member])
def list_members(scope: ScopeDep) -> Response:
    """Members of the workspace and their roles."""
    return json_response(users.list_members(scope), item_type=Member)


@router.put("/workspaces/{workspace}/members", response_model=Member)
def set_member(data: MemberSet, scope: ScopeDep) -> Response:
    """Add a member or change their role (owners only)."""
    return json_response(users.set_member(scope, data))


@router.delete("/workspaces/{workspace}/members/{user}", status_code=204)
def remove_member(user: str, scope: ScopeDep) -> Response:
    """Remove a member (owners only; not the last owner)."""
    users.remove_member(scope, user)
    return Response(status_code=204)


@router.get("/workspaces/{workspace}/audit", response_model=AuditList)
def audit_trail(
    scope: ScopeDep,
    page_token: Annotated[str | None, Query(max_length=1000)] = None,
    max_results: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Who created, changed or deleted what, and when — newest first (owners only)."""
    return json_response(audit.list_entries(scope, page_token, max_results))
