"""Users, their API tokens and workspace memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from kuznia.entities.users import Member, Role, TokenInfo, User
from kuznia.errors import Conflict
from kuznia.store.dialects import upsert
from kuznia.store.tables import api_tokens, users, workspace_members


def _user(row: Any) -> User:
    return User(id=row.id, name=row.name, is_admin=row.is_admin, disabled=row.disabled, created_at=row.created_at)


def count_users(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users)).scalar_one()


def insert_user(conn: Connection, row: dict[str, Any]) -> User:
    try:
        with conn.begin_nested():
            conn.execute(users.insert(), row)
    except IntegrityError:
        raise Conflict(f"a user named {row['name']!r} already exists") from None
    return _user(conn.execute(select(users).where(users.c.id == row["id"])).one())


def read_user(conn: Connection, name: str | None = None, user_id: str | None = None) -> User | None:
    stmt = select(users).where(users.c.name == name) if name is not None else select(users).where(users.c.id == user_id)
    row = conn.execute(stmt).first()
    return _user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]


def set_disabled(conn: Connection, user_id: str, disabled: bool) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(disabled=disabled))


def insert_token(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(api_tokens.insert(), row)


def token_owner(conn: Connection, token_hash: str) -> tuple[Any, User] | None:
    """The live token with this hash and its (enabled) user."""
    row = conn.execute(
        select(api_tokens, users.c.name.label("user_name"))
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    user = read_user(conn, user_id=row.user_id)
    if user is None or user.disabled:
        return None
    return row, user


def touch_token(conn: Connection, token_id: str, now: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))


def list_tokens(conn: Connection, user_id: str | None) -> list[TokenInfo]:
    stmt = select(api_tokens, users.c.name.label("user_name")).join(users, users.c.id == api_tokens.c.user_id)
    if user_id is not None:
        stmt = stmt.where(api_tokens.c.user_id == user_id)
    return [
        TokenInfo(id=r.id, user=r.user_name, name=r.name, prefix=r.prefix, created_at=r.created_at,
                  last_used_at=r.last_used_at, revoked_at=r.revoked_at)
        for r in conn.execute(stmt.order_by(api_tokens.c.created_at))
    ]


def read_token(conn: Connection, token_id: str) -> Any:
    return conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()


def revoke_token(conn: Connection, token_id: str, now: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now))


def set_member(conn: Connection, workspace_id: str, user_id: str, role: Role, now: datetime) -> None:
    upsert(conn, workspace_members, [{"workspace_id": workspace_id, "user_id": user_id, "role": role.value,
                                      "added_at": now}], keys=["workspace_id", "user_id"], update=["role"])


def remove_member(conn: Connection, workspace_id: str, user_id: str) -> bool:
    return conn.execute(delete(workspace_members).where(
        workspace_members.c.workspace_id == workspace_id, workspace_members.c.user_id == user_id)).rowcount > 0


def role_of(conn: Connection, workspace_id: str, user_id: str) -> Role | None:
    value = conn.execute(select(workspace_members.c.role).where(
        workspace_members.c.workspace_id == workspace_id, workspace_members.c.user_id == user_id)).scalar()
    return Role(value) if value else None


def roles_of(conn: Connection, user_id: str) -> dict[str, Role]:
    """Workspace id -> role of a user."""
    rows = conn.execute(select(workspace_members.c.workspace_id, workspace_members.c.role)
                        .where(workspace_members.c.user_id == user_id))
    return {w: Role(r) for w, r in rows}


def list_members(conn: Connection, workspace_id: str) -> list[Member]:
    rows = conn.execute(select(users.c.name, workspace_members.c.role, workspace_members.c.added_at)
                        .join(users, users.c.id == workspace_members.c.user_id)
                        .where(workspace_members.c.workspace_id == workspace_id).order_by(users.c.name))
    return [Member(user=n, role=Role(r), added_at=a) for n, r, a in rows]


def count_owners(conn: Connection, workspace_id: str) -> int:
    return conn.execute(select(func.count()).where(
        workspace_members.c.workspace_id == workspace_id, workspace_members.c.role == Role.OWNER.value)).scalar_one()
