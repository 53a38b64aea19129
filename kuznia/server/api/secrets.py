from __future__ import annotations

from fastapi import APIRouter, Response

from kuznia.entities.secrets import SecretInfo, SecretNames, SecretSet, SecretsSet, SecretValue
from kuznia.server.deps import ReadScopeDep, ScopeDep
from kuznia.server.responses import json_response
from kuznia.services import secrets

router = APIRouter(prefix="/workspaces/{workspace}/secrets", tags=["key vault"])


@router.get("", response_model=list[SecretInfo])
def list_secrets(scope: ScopeDep) -> Response:
    """Names and dates of the workspace's secrets (never their values)."""
    return json_response(secrets.list_secrets(scope), item_type=SecretInfo)


@router.post("", status_code=204)
def set_secrets(data: SecretsSet, scope: ScopeDep) -> Response:
    """Store or replace several secrets."""
    secrets.set_secrets(scope, data)
    return Response(status_code=204)


@router.put("/{name}", status_code=204)
def set_secret(name: str, data: SecretSet, scope: ScopeDep) -> Response:
    """Store or replace one secret."""
    secrets.set_secret(scope, name, data)
    return Response(status_code=204)


@router.post("/values", response_model=list[SecretValue])
def get_values(data: SecretNames, scope: ReadScopeDep) -> Response:
    """Decrypted values of the named secrets (POST, so names and values stay out of URLs and logs)."""
    return json_response(secrets.get_secrets(scope, data), item_type=SecretValue)


@router.delete("/{name}", status_code=204)
def delete_secret(name: str, scope: ScopeDep) -> Response:
    """Delete a secret."""
    secrets.delete_secret(scope, name)
    return Response(status_code=204)
