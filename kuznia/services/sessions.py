"""Studio sessions: a signed cookie naming an API token, valid while the token is."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from kuznia.services.access import Principal
from kuznia.services.stores import Stores
from kuznia.store import users as user_store

SESSION_COOKIE = "kuznia_session"
SESSION_SECONDS = 12 * 3600


def session_key(stores: Stores) -> bytes:
    material = stores.key_file.read_bytes() if stores.key_file and stores.key_file.exists() else b"no-key-file"
    return hashlib.sha256(b"kuznia-studio-session|" + material).digest()


def make_session(stores: Stores, token_id: str) -> str:
    expires = int(time.time()) + SESSION_SECONDS
    payload = f"{token_id}.{expires}"
    signature = hmac.new(session_key(stores), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def read_session(stores: Stores, cookie: str) -> Principal | None:
    # A cookie is whatever a browser (or an attacker) sends: anything malformed is no session.
    try:
        token_id, expires, signature = cookie.split(".")
        if int(expires) < time.time():
            return None
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:  # also binascii.Error and non-ASCII text
        return None
    expected = hmac.new(session_key(stores), f"{token_id}.{expires}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given):
        return None
    with stores.db.read() as conn:
        row = user_store.read_token(conn, token_id)
        user = user_store.read_user(conn, user_id=row.user_id) if row is not None else None
    if row is None or row.revoked_at is not None or user is None or user.disabled:
        return None
    return Principal(kind="user", name=user.name, user_id=user.id, is_admin=user.is_admin)
