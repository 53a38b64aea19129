"""Deployments: a model, an environment and a scoring script served over HTTP."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from kuznia.entities.common import Entity, Key, Resource, Text, WorkspaceName
from kuznia.entities.environments import EnvironmentSpec
from kuznia.entities.paths import check_relative_path

_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}:[1-9][0-9]{0,8}$")


class DeploymentState(StrEnum):
    """Azure ML v1 webservice states."""

    TRANSITIONING = "Transitioning"
    HEALTHY = "Healthy"
    UNHEALTHY = "Unhealthy"
    FAILED = "Failed"


class DeploymentConfig(Entity):
    """How a deployment runs (``Webservice.deploy_configuration``)."""

    replicas: int = Field(default=1, ge=1, le=32)
    cpu_cores: float | None = Field(default=None, gt=0, le=256)
    memory_gb: float | None = Field(default=None, gt=0, le=1024, description="enforced as an address-space limit")
    auth_enabled: bool = True
    autoscale_enabled: bool = False
    autoscale_min_replicas: int = Field(default=1, ge=1, le=32)
    autoscale_max_replicas: int = Field(default=4, ge=1, le=32)
    autoscale_target_utilization: int = Field(default=70, ge=1, le=100)
    max_concurrent_requests_per_replica: int = Field(default=1, ge=1, le=1024)
    port: int | None = Field(default=None, ge=1024, le=65535, description="local webservices: where to listen")

    @model_validator(mode="after")
    def _bounds(self) -> DeploymentConfig:
        if self.autoscale_min_replicas > self.autoscale_max_replicas:
            raise ValueError("autoscale_min_replicas is above autoscale_max_replicas")
        return self


class InferenceSpec(Entity):
    """The scoring code: ``entry_script`` in the snapshot of the source folder, with
    ``init()`` and ``run(raw_data)``, run in ``environment`` (None: the server's interpreter)."""

    entry_script: str = Field(max_length=1024)
    snapshot_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    environment: EnvironmentSpec | None = None

    @field_validator("entry_script")
    @classmethod
    def _relative(cls, value: str) -> str:
        try:
            return check_relative_path(value, "entry_script")
        except Exception as exc:
            raise ValueError(str(exc)) from None


class DeploymentCreate(Entity):
    name: WorkspaceName
    models: list[str] = Field(min_length=1, max_length=20, description="model ids, name:version")
    inference: InferenceSpec
    config: DeploymentConfig = Field(default_factory=DeploymentConfig)
    description: Text = ""
    tags: dict[Key, Text] = Field(default_factory=dict)
    overwrite: bool = False
    local: bool = Field(default=False, description="served by its own local process on config.port")

    @field_validator("models")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _MODEL_ID.match(value):
                raise ValueError(f"{value!r} is not a model id such as iris:3")
        return values


class DeploymentUpdate(Entity):
    models: list[str] | None = Field(default=None, min_length=1, max_length=20)
    inference: InferenceSpec | None = None
    config: DeploymentConfig | None = None
    description: Text | None = None

    @field_validator("models")
    @classmethod
    def _ids(cls, values: list[str] | None) -> list[str] | None:
        return DeploymentCreate._ids(values) if values is not None else None  # type: ignore[operator]


class ReplicaState(StrEnum):
    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    STOPPING = "stopping"
    FAILED = "failed"


class Replica(Resource):
    id: str
    generation: int
    state: ReplicaState
    host: str
    pid: int | None = None
    port: int | None = None
    restarts: int = 0
    started_at: datetime


class EndpointTelemetry(Resource):
    requests: int = 0
    status_codes: dict[str, int] = Field(default_factory=dict)
    latency_ms_p50: float | None = None
    latency_ms_p99: float | None = None
    latency_buckets_ms: dict[str, int] = Field(default_factory=dict)


class Deployment(Resource):
    name: str
    state: DeploymentState
    models: list[str]
    inference: InferenceSpec
    config: DeploymentConfig
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    local: bool = False
    generation: int
    desired_replicas: int
    scoring_uri: str | None = None
    swagger_uri: str | None = None
    error: str | None = None
    replicas: list[Replica] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class EndpointKeys(Resource):
    primary_key: str
    secondary_key: str


class KeyName(StrEnum):
    PRIMARY = "Primary"
    SECONDARY = "Secondary"
