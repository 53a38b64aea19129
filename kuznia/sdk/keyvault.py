"""Keyvault: the workspace's encrypted secrets (Azure ML v1 names)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kuznia.entities.secrets import SecretsSet
from kuznia.errors import InvalidInput

if TYPE_CHECKING:
    from kuznia.sdk.workspace import Workspace


class Keyvault:
    """``ws.get_default_keyvault()``: set, get, list and delete secrets. Values are
    encrypted at rest and never shown in listings."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def set_secret(self, name: str, value: str) -> None:
        self.set_secrets({name: value})

    def set_secrets(self, secrets_batch: dict[str, str]) -> None:
        if not isinstance(secrets_batch, dict) or not all(isinstance(v, str) for v in secrets_batch.values()):
            raise InvalidInput("secrets: give a dict of name -> string value")
        self.workspace._backend.set_secrets(self.workspace.name, SecretsSet(secrets=secrets_batch))  # type: ignore[arg-type]

    def get_secret(self, name: str) -> str:
        """The value of a secret. Raises NotFound."""
        return self.get_secrets([name])[name]

    def get_secrets(self, secrets: list[str]) -> dict[str, str]:
        values = self.workspace._backend.get_secrets(self.workspace.name, list(secrets))
        return {v.name: v.value.get_secret_value() for v in values}

    def list_secrets(self) -> list[dict[str, Any]]:
        """``[{"name": …, "created_at": …, "updated_at": …}]`` — never values."""
        return [i.model_dump() for i in self.workspace._backend.list_secrets(self.workspace.name)]

    def delete_secret(self, name: str) -> None:
        self.workspace._backend.delete_secret(self.workspace.name, name)

    def __repr__(self) -> str:
        return f"Keyvault(workspace={self.workspace.name!r})"
