"""Deployments with Azure ML v1 names: InferenceConfig, Webservice, LocalWebservice, Model.deploy."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from kuznia.entities import deployments as entities
from kuznia.entities.common import parse
from kuznia.errors import InvalidInput, KuzniaError, error_from_dict

if TYPE_CHECKING:
    from kuznia.sdk.workspace import Workspace


class InferenceConfig:
    """The scoring code: ``entry_script`` (with ``init()`` and ``run(raw_data)``) in
    ``source_directory``, run in ``environment`` (default: the server's interpreter)."""

    def __init__(self, entry_script: str, source_directory: str | os.PathLike[str] | None = None,
                 environment: Any = None, **_: Any) -> None:
        self.entry_script = str(entry_script)
        self.source_directory = str(source_directory) if source_directory is not None else None
        self.environment = environment

    def _spec(self, workspace: Workspace) -> entities.InferenceSpec:
        from kuznia.sdk.submit import snapshot_folder

        if self.source_directory is None:
            script = Path(self.entry_script)
            source, entry = script.parent, script.name
        else:
            source, entry = Path(self.source_directory), self.entry_script
        if not (source / entry).is_file():
            raise InvalidInput(f"entry_script: {entry} not found in {source.resolve()}")
        snapshot = snapshot_folder(workspace, source.resolve())
        environment = self.environment.to_spec() if self.environment is not None else None
        return parse(entities.InferenceSpec, {"entry_script": Path(entry).as_posix(), "snapshot_id": snapshot.id,
                                              "environment": environment})


class LocalDeploymentConfiguration:
    """Marks a deployment served by its own local process on ``port`` (no server needed)."""

    def __init__(self, config: entities.DeploymentConfig) -> None:
        self.config = config


class Webservice:
    """A deployed model: ``Webservice(ws, "iris-svc")``; score it with ``service.run(data)``."""

    def __init__(self, workspace: Workspace, name: str, _entity: entities.Deployment | None = None) -> None:
        self.workspace = workspace
        self._entity = _entity or workspace._backend.get_deployment(workspace.name, name)

    @staticmethod
    def deploy_configuration(replicas: int = 1, cpu_cores: float | None = None, memory_gb: float | None = None,
                             auth_enabled: bool = True, autoscale_enabled: bool = False,
                             autoscale_min_replicas: int = 1, autoscale_max_replicas: int = 4,
                             autoscale_target_utilization: int = 70, max_concurrent_requests_per_replica: int = 1,
                             **_: Any) -> entities.DeploymentConfig:
        """Replicas, resources, auth and autoscaling of a deployment served by the server."""
        return parse(entities.DeploymentConfig, {
            "replicas": replicas, "cpu_cores": cpu_cores, "memory_gb": memory_gb, "auth_enabled": auth_enabled,
            "autoscale_enabled": autoscale_enabled, "autoscale_min_replicas": autoscale_min_replicas,
            "autoscale_max_replicas": autoscale_max_replicas,
            "autoscale_target_utilization": autoscale_target_utilization,
            "max_concurrent_requests_per_replica": max_concurrent_requests_per_replica,
        })

    @staticmethod
    def list(workspace: Workspace, **_: Any) -> list[Webservice]:
        return [Webservice(workspace, d.name, _entity=d) for d in workspace._backend.list_deployments(workspace.name)]

    # attributes ---------------------------------------------------------------------------
    name = property(lambda self: self._entity.name)
    scoring_uri = property(lambda self: self._entity.scoring_uri)
    swagger_uri = property(lambda self: self._entity.swagger_uri)
    models = property(lambda self: list(self._entity.models))
    error = property(lambda self: self._entity.error)

    @property
    def state(self) -> str:
        return self._entity.state.value

    def refresh(self) -> Webservice:
        self._entity = self.workspace._backend.get_deployment(self.workspace.name, self.name)
        return self

    def wait_for_deployment(self, show_output: bool = False, timeout_sec: float = 900) -> None:
        """Block until the deployment is Healthy (or Failed: raises, with the logs' gist)."""
        deadline = time.monotonic() + timeout_sec
        last = None
        while True:
            self.refresh()
            if show_output and self.state != last:
                print(f"{self.name}: {self.state}", flush=True)
                last = self.state
            if self.state == entities.DeploymentState.HEALTHY.value:
                return
            if self.state == entities.DeploymentState.FAILED.value:
                raise KuzniaError(f"deployment {self.name} failed: {self.error}. See service.get_logs().")
            if time.monotonic() > deadline:
                raise TimeoutError(f"deployment {self.name} still {self.state} after {timeout_sec} s")
            time.sleep(0.3)

    # the data plane -------------------------------------------------------------------------
    def run(self, input_data: Any, timeout: float = 60.0) -> Any:
        """Send ``input_data`` (a JSON string, or anything JSON-serialisable) to the service;
        returns the decoded answer. A failing request raises with the service's message."""
        body = input_data if isinstance(input_data, (str, bytes)) else json.dumps(input_data)
        headers = {"Content-Type": "application/json"}
        if self._entity.config.auth_enabled:
            headers["Authorization"] = f"Bearer {self.get_keys()[0]}"
        if not self.scoring_uri:
            raise KuzniaError(f"deployment {self.name} has no scoring URI yet")
        try:
            response = httpx.post(self.scoring_uri, content=body, headers=headers, timeout=timeout)
        except httpx.TransportError as exc:
            raise KuzniaError(f"cannot reach {self.scoring_uri}: {exc}") from exc
        payload = response.json() if response.content else None
        if response.status_code >= 400:
            error = (payload or {}).get("error", {}) if isinstance(payload, dict) else {}
            raise error_from_dict({"code": error.get("code", "KuzniaError"),
                                   "message": error.get("message", f"the service answered {response.status_code}")})
        return payload

    def get_logs(self, num_lines: int = 5000) -> str:
        text = self.workspace._backend.get_endpoint_logs(self.workspace.name, self.name)
        return "\n".join(text.splitlines()[-num_lines:])

    def get_keys(self) -> tuple[str, str]:
        keys = self.workspace._backend.get_endpoint_keys(self.workspace.name, self.name)
        return keys.primary_key, keys.secondary_key

    def regen_key(self, key: str, set_key: str | None = None) -> None:
        """Replace the 'Primary' or 'Secondary' key."""
        self.workspace._backend.regen_endpoint_key(self.workspace.name, self.name, key)

    def get_telemetry(self) -> entities.EndpointTelemetry:
        """Requests, status codes and latency percentiles through the gateway."""
        return self.workspace._backend.get_endpoint_telemetry(self.workspace.name, self.name)

    def update(self, models: Sequence[Any] | None = None, inference_config: InferenceConfig | None = None,
               deployment_config: entities.DeploymentConfig | None = None, description: str | None = None,
               **_: Any) -> None:
        """A rolling update: new replicas become healthy before old ones stop."""
        data = parse(entities.DeploymentUpdate, {
            "models": [_model_id(m) for m in models] if models is not None else None,
            "inference": inference_config._spec(self.workspace) if inference_config else None,
            "config": deployment_config.config if isinstance(deployment_config, LocalDeploymentConfiguration)
            else deployment_config,
            "description": description,
        })
        self._entity = self.workspace._backend.update_deployment(self.workspace.name, self.name, data)

    def delete(self) -> None:
        self.workspace._backend.delete_deployment(self.workspace.name, self.name)

    def __repr__(self) -> str:
        return f"Webservice(name={self.name!r}, state={self.state!r})"


class LocalWebservice(Webservice):
    """A service on this machine, on its own port, with no server: ``LocalWebservice.deploy_configuration(port=6789)``."""

    @staticmethod
    def deploy_configuration(port: int | None = None, **_: Any) -> LocalDeploymentConfiguration:  # type: ignore[override]
        return LocalDeploymentConfiguration(parse(entities.DeploymentConfig, {"port": port, "auth_enabled": False}))


AciWebservice = Webservice  # v1 code deploys with AciWebservice.deploy_configuration(...)


def _model_id(model: Any) -> str:
    if isinstance(model, str):
        return model
    return f"{model.name}:{model.version}"


def deploy(workspace: Workspace, name: str, models: Sequence[Any], inference_config: InferenceConfig,
           deployment_config: Any = None, overwrite: bool = False) -> Webservice:
    """What ``Model.deploy`` does: snapshot the scoring code and create the deployment."""
    if not isinstance(inference_config, InferenceConfig):
        raise InvalidInput("inference_config: give an InferenceConfig(entry_script=..., source_directory=...)")
    local = isinstance(deployment_config, LocalDeploymentConfiguration)
    config = deployment_config.config if local else (deployment_config or entities.DeploymentConfig())
    data = parse(entities.DeploymentCreate, {
        "name": name, "models": [_model_id(m) for m in models], "inference": inference_config._spec(workspace),
        "config": config, "overwrite": overwrite, "local": local,
    })
    return Webservice(workspace, name, _entity=workspace._backend.deploy(workspace.name, data))
