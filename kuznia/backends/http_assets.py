"""The HTTP backend's calls for workspace assets: environments, secrets, models, deployments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from kuznia.entities.common import check_name
from kuznia.entities.deployments import (
    Deployment,
    DeploymentCreate,
    DeploymentUpdate,
    EndpointKeys,
    EndpointTelemetry,
)
from kuznia.entities.environments import (
    EnvironmentBuild,
    EnvironmentList,
    EnvironmentSpec,
    EnvironmentVersion,
    PruneResult,
)
from kuznia.entities.models import (
    Model,
    ModelCreate,
    ModelFiles,
    ModelList,
    ModelQuery,
    ModelUpdate,
)
from kuznia.entities.paths import check_relative_path
from kuznia.entities.secrets import SecretInfo, SecretNames, SecretsSet, SecretValue
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

if TYPE_CHECKING:
    from pydantic import BaseModel
API = "/api/v1"
_ENV_VERSIONS = TypeAdapter(list[EnvironmentVersion])
_ENV_BUILDS = TypeAdapter(list[EnvironmentBuild])
_SECRET_VALUES = TypeAdapter(list[SecretValue])
_SECRET_INFOS = TypeAdapter(list[SecretInfo])
_DEPLOYMENTS = TypeAdapter(list[Deployment])
_USERS = TypeAdapter(list[User])
_TOKENS = TypeAdapter(list[TokenInfo])
_MEMBERS = TypeAdapter(list[Member])


def _seg(value: str) -> str:
    """One URL path segment, fully escaped."""
    return quote(value, safe="")


class HttpAssetsMixin:
    """Mixed into HttpBackend, whose request helpers these methods use."""

    if TYPE_CHECKING:  # provided by HttpBackend

        def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...
        def _get(self, path: str, model: Any, **kwargs: Any) -> Any: ...
        def _call(self, method: str, path: str, model: Any, body: BaseModel | None = None, **kwargs: Any) -> Any: ...
        @staticmethod
        def _ws(workspace: str) -> str: ...
        def _stream_into(self, url: str, destination: BinaryIO) -> httpx.Headers: ...

    # environments ------------------------------------------------------------------------
    def register_environment(self, workspace: str, spec: EnvironmentSpec) -> EnvironmentVersion:
        return self._call("POST", f"{self._ws(workspace)}/environments", EnvironmentVersion, spec)

    def _env(self, workspace: str, name: str) -> str:
        return f"{self._ws(workspace)}/environments/{_seg(check_name('environment name', name, 63))}"

    def get_environment(self, workspace: str, name: str, version: int | None = None) -> EnvironmentVersion:
        params = {"version": version} if version is not None else {}
        return self._get(self._env(workspace, name), EnvironmentVersion, params=params)

    def list_environments(self, workspace: str) -> list[EnvironmentVersion]:
        found: list[EnvironmentVersion] = []
        token = None
        while True:
            params: dict[str, Any] = {"max_results": 1000}
            if token:
                params["page_token"] = token
            page = self._get(f"{self._ws(workspace)}/environments", EnvironmentList, params=params)
            found.extend(page.items)
            token = page.next_page_token
            if not token:
                return found

    def list_environment_versions(self, workspace: str, name: str) -> list[EnvironmentVersion]:
        return _ENV_VERSIONS.validate_json(self._send("GET", self._env(workspace, name) + "/versions").content)

    def build_environment(self, workspace: str, name: str, version: int | None = None) -> EnvironmentBuild:
        params = {"version": version} if version is not None else {}
        # building can take minutes: no read timeout for this call
        return self._call("POST", self._env(workspace, name) + "/build", EnvironmentBuild, params=params,
                          timeout=httpx.Timeout(None, connect=10.0))

    def list_environment_builds(self, workspace: str) -> list[EnvironmentBuild]:
        return _ENV_BUILDS.validate_json(self._send("GET", f"{self._ws(workspace)}/environment-cache").content)

    def prune_environment_builds(self, workspace: str, unused_for_seconds: float) -> PruneResult:
        return self._call("POST", f"{self._ws(workspace)}/environment-cache/prune", PruneResult,
                          params={"unused_for_seconds": unused_for_seconds})

    # key vault -----------------------------------------------------------------------------
    def set_secrets(self, workspace: str, data: SecretsSet) -> None:
        self._send("POST", f"{self._ws(workspace)}/secrets", model=data)

    def get_secrets(self, workspace: str, names: list[str]) -> list[SecretValue]:
        response = self._send("POST", f"{self._ws(workspace)}/secrets/values", model=SecretNames(names=names))
        return _SECRET_VALUES.validate_json(response.content)

    def list_secrets(self, workspace: str) -> list[SecretInfo]:
        return _SECRET_INFOS.validate_json(self._send("GET", f"{self._ws(workspace)}/secrets").content)

    def delete_secret(self, workspace: str, name: str) -> None:
        name = SecretNames(names=[name]).names[0]
        self._send("DELETE", f"{self._ws(workspace)}/secrets/{_seg(name)}")

    # model registry --------------------------------------------------------------------------
    def _model(self, workspace: str, name: str, version: int | None = None) -> str:
        url = f"{self._ws(workspace)}/models/{_seg(check_name('model name', name, 63))}"
        return url if version is None else f"{url}/versions/{int(version)}"

    def register_model(self, workspace: str, data: ModelCreate) -> Model:
        return self._call("POST", f"{self._ws(workspace)}/models", Model, data)

    def get_model(self, workspace: str, name: str, version: int | None = None) -> Model:
        return self._get(self._model(workspace, name, version), Model)

    def list_models(self, workspace: str, query: ModelQuery) -> ModelList:
        return self._call("POST", f"{self._ws(workspace)}/models/search", ModelList, query)

    def update_model(self, workspace: str, name: str, version: int, data: ModelUpdate) -> Model:
        return self._call("PATCH", self._model(workspace, name, version), Model, data)

    def delete_model(self, workspace: str, name: str, version: int) -> None:
        self._send("DELETE", self._model(workspace, name, version))

    def get_model_files(self, workspace: str, name: str, version: int) -> ModelFiles:
        return self._get(self._model(workspace, name, version) + "/files", ModelFiles)

    def download_model_file(self, workspace: str, name: str, version: int, path: str, destination: BinaryIO) -> None:
        check_relative_path(path, "model file")
        self._stream_into(API + self._model(workspace, name, version) + "/files/" + quote(path, safe="/"),
                          destination)

    # deployments ------------------------------------------------------------------------------
    def _endpoint(self, workspace: str, name: str) -> str:
        return f"{self._ws(workspace)}/endpoints/{_seg(check_name('endpoint name', name, 63))}"

    def deploy(self, workspace: str, data: DeploymentCreate) -> Deployment:
        return self._call("POST", f"{self._ws(workspace)}/endpoints", Deployment, data)

    def get_deployment(self, workspace: str, name: str) -> Deployment:
        return self._get(self._endpoint(workspace, name), Deployment)

    def list_deployments(self, workspace: str) -> list[Deployment]:
        return _DEPLOYMENTS.validate_json(self._send("GET", f"{self._ws(workspace)}/endpoints").content)

    def update_deployment(self, workspace: str, name: str, data: DeploymentUpdate) -> Deployment:
        return self._call("PATCH", self._endpoint(workspace, name), Deployment, data)

    def delete_deployment(self, workspace: str, name: str) -> None:
        self._send("DELETE", self._endpoint(workspace, name))

    def get_endpoint_keys(self, workspace: str, name: str) -> EndpointKeys:
        return self._get(self._endpoint(workspace, name) + "/keys", EndpointKeys)

    def regen_endpoint_key(self, workspace: str, name: str, which: str) -> EndpointKeys:
        return self._call("POST", self._endpoint(workspace, name) + "/keys/regenerate", EndpointKeys,
                          params={"key": which})

    def get_endpoint_logs(self, workspace: str, name: str) -> str:
        return self._send("GET", self._endpoint(workspace, name) + "/logs").text

    def get_endpoint_telemetry(self, workspace: str, name: str) -> EndpointTelemetry:
        return self._get(self._endpoint(workspace, name) + "/telemetry", EndpointTelemetry)

    # identity and access ----------------------------------------------------------------------
    def whoami(self) -> WhoAmI:
        return self._get("/whoami", WhoAmI)

    def create_user(self, data: UserCreate) -> User:
        return self._call("POST", "/users", User, data)

    def list_users(self) -> list[User]:
        return _USERS.validate_json(self._send("GET", "/users").content)

    def set_user_disabled(self, name: str, disabled: bool) -> User:
        action = "disable" if disabled else "enable"
        return self._call("POST", f"/users/{_seg(check_name('user name', name, 63))}/{action}", User)

    def create_token(self, data: TokenCreate) -> TokenCreated:
        return self._call("POST", "/tokens", TokenCreated, data)

    def list_tokens(self, user: str | None = None) -> list[TokenInfo]:
        params = {"user": user} if user else {}
        return _TOKENS.validate_json(self._send("GET", "/tokens", params=params).content)

    def revoke_token(self, token_id: str) -> TokenInfo:
        return self._call("POST", f"/tokens/{_seg(token_id)}/revoke", TokenInfo)

    def list_members(self, workspace: str) -> list[Member]:
        return _MEMBERS.validate_json(self._send("GET", f"{self._ws(workspace)}/members").content)

    def set_member(self, workspace: str, data: MemberSet) -> Member:
        return self._call("PUT", f"{self._ws(workspace)}/members", Member, data)

    def remove_member(self, workspace: str, user: str) -> None:
        self._send("DELETE", f"{self._ws(workspace)}/members/{_seg(check_name('user name', user, 63))}")

    def list_audit(self, workspace: str, page_token: str | None = None, max_results: int = 100) -> AuditList:
        params: dict[str, Any] = {"max_results": max_results}
        if page_token:
            params["page_token"] = page_token
        return self._get(f"{self._ws(workspace)}/audit", AuditList, params=params)
