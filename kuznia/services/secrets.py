"""The workspace key vault: values encrypted with Fernet, the key kept outside the database.

Values never appear in listings, logs or error messages; a wrong key (a store
moved without its key file) is a clear error, not garbage.
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, InvalidToken

from kuznia.entities.common import parse
from kuznia.entities.secrets import (
    SecretInfo,
    SecretName,
    SecretNames,
    SecretSet,
    SecretsSet,
    SecretValue,
)
from kuznia.errors import NotFound, ServiceUnavailable
from kuznia.services import audit
from kuznia.services.access import Action
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores
from kuznia.store import secrets as store


def fernet(stores: Stores) -> Fernet:
    """The key vault's cipher (also used for endpoint keys)."""
    key = os.environ.get("KUZNIA_SECRET_KEY")
    if not key:
        if stores.key_file is None or not stores.key_file.exists():
            raise ServiceUnavailable("the key vault has no key: set KUZNIA_SECRET_KEY or a key file")
        key = stores.key_file.read_text().strip()
    try:
        return Fernet(key.encode())
    except ValueError:
        raise ServiceUnavailable("the key vault key is not a valid Fernet key") from None


def _check_name(name: str) -> str:
    return parse(SecretNames, {"names": [name]}).names[0]


def set_secrets(scope: Scope, data: SecretsSet) -> None:
    """Store (or replace) secrets, encrypted."""
    scope.require(Action.OWNER, "secrets")
    data = parse(SecretsSet, data)
    cipher = fernet(scope.stores)
    encrypted = {name: cipher.encrypt(value.get_secret_value().encode()) for name, value in data.secrets.items()}
    with scope.stores.db.write() as conn:
        for name, token in encrypted.items():
            store.put(conn, scope.workspace_id, name, token)
    audit.record(scope, "secret.set", "secrets", names=sorted(encrypted))


def set_secret(scope: Scope, name: SecretName, data: SecretSet) -> None:
    data = parse(SecretSet, data)
    set_secrets(scope, SecretsSet(secrets={_check_name(name): data.value}))


def get_secrets(scope: Scope, names: SecretNames) -> list[SecretValue]:
    """Decrypted values, in the order asked. Raises NotFound naming the missing ones."""
    scope.require(Action.SECRETS_READ, "secrets")
    names = parse(SecretNames, names)
    with scope.stores.db.read() as conn:
        found = store.read(conn, scope.workspace_id, names.names)
    missing = [n for n in names.names if n not in found]
    if missing:
        raise NotFound(f"no secret named {', '.join(map(repr, missing))} in workspace {scope.workspace.name!r}")
    cipher = fernet(scope.stores)
    values = []
    for name in names.names:
        try:
            plain = cipher.decrypt(found[name]).decode()
        except InvalidToken:
            raise ServiceUnavailable(
                f"secret {name!r} cannot be decrypted with this key; was the store moved without its key file?"
            ) from None
        values.append(SecretValue(name=name, value=plain))  # type: ignore[arg-type]
    return values


def get_secret(scope: Scope, name: str) -> SecretValue:
    return get_secrets(scope, SecretNames(names=[_check_name(name)]))[0]


def list_secrets(scope: Scope) -> list[SecretInfo]:
    """Names and dates only."""
    scope.require(Action.READ, "secrets")
    with scope.stores.db.read() as conn:
        return store.list_infos(conn, scope.workspace_id)


def delete_secret(scope: Scope, name: str) -> None:
    """Raises NotFound when there is no such secret."""
    scope.require(Action.OWNER, "secrets")
    with scope.stores.db.write() as conn:
        if not store.remove(conn, scope.workspace_id, _check_name(name)):
            raise NotFound(f"no secret named {name!r} in workspace {scope.workspace.name!r}")
    audit.record(scope, "secret.delete", f"secret:{name}")
