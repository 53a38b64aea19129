"""Deployments: models served by replicas of a scoring script, behind the gateway.

This module keeps the desired state (what to serve, how many replicas, which
keys); ``deployment_manager`` makes the replicas match it.
"""

from __future__ import annotations

import json
import secrets as random_tokens
import socket
import subprocess
import sys
from typing import Any

from kuznia.entities.common import check_name, parse, utcnow
from kuznia.entities.deployments import (
    Deployment,
    DeploymentConfig,
    DeploymentCreate,
    DeploymentState,
    DeploymentUpdate,
    EndpointKeys,
    EndpointTelemetry,
    InferenceSpec,
    KeyName,
    Replica,
    ReplicaState,
)
from kuznia.environments.cache import check_fetch_targets
from kuznia.errors import InvalidInput, NotFound
from kuznia.services import audit, models, snapshots
from kuznia.services.access import Action
from kuznia.services.scope import Scope
from kuznia.services.secrets import fernet
from kuznia.services.stores import Stores
from kuznia.serving import processes
from kuznia.serving.gateway import LATENCY_BUCKETS_MS, Route
from kuznia.store import deployments as store


def is_server(stores: Stores) -> bool:
    return bool(stores.tracking_uri and stores.tracking_uri.startswith(("http://", "https://")))


def _check_inference(scope: Scope, inference: InferenceSpec, model_ids: list[str]) -> None:
    if inference.environment is not None and not inference.environment.python.user_managed_dependencies:
        check_fetch_targets(inference.environment)  # the server builds it: no internal URLs (SSRF)
    for model_id in model_ids:
        name, version = model_id.split(":")
        models.get_model(scope, name, int(version))
    manifest = snapshots.get_manifest(scope, inference.snapshot_id)
    if not any(e.path == inference.entry_script for e in manifest.entries):
        raise InvalidInput(f"entry_script {inference.entry_script!r} is not in the source directory's snapshot")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _desired(config: DeploymentConfig) -> int:
    if config.autoscale_enabled:
        return min(max(config.replicas, config.autoscale_min_replicas), config.autoscale_max_replicas)
    return config.replicas


def deploy(scope: Scope, data: DeploymentCreate) -> Deployment:
    """Create a deployment (or replace it with ``overwrite``). Its replicas start in the
    background: poll until the state is Healthy or Failed."""
    scope.require(Action.WRITE, "deployments")
    data = parse(DeploymentCreate, data)
    _check_inference(scope, data.inference, data.models)
    with scope.stores.db.read() as conn:
        existing = store.read(conn, scope.workspace_id, data.name)
    if existing is not None and data.overwrite:
        return update(scope, data.name, DeploymentUpdate(models=data.models, inference=data.inference,
                                                         config=data.config, description=data.description))
    local = data.local or not is_server(scope.stores)
    config = data.config
    if local and config.port is None:
        config = config.model_copy(update={"port": _free_port()})
    now = utcnow()
    keys = {"primary": random_tokens.token_urlsafe(32), "secondary": random_tokens.token_urlsafe(32)}
    with scope.stores.db.write() as conn:
        store.insert(conn, {
            "workspace_id": scope.workspace_id, "name": data.name, "state": DeploymentState.TRANSITIONING.value,
            "models": data.models, "inference": data.inference.model_dump(mode="json"),
            "config": config.model_dump(mode="json"), "description": data.description, "tags": data.tags,
            "local": local, "generation": 1, "serving_generation": None, "desired_replicas": _desired(config),
            "keys": fernet(scope.stores).encrypt(json.dumps(keys).encode()), "error": None, "host_pid": None,
            "telemetry": {}, "created_at": now, "updated_at": now,
        })
    if local:
        ensure_local_host(scope, data.name)
    audit.record(scope, "deployment.create", f"deployment:{data.name}", models=data.models)
    return get(scope, data.name)


def update(scope: Scope, name: str, data: DeploymentUpdate) -> Deployment:
    """Roll out new models, code, environment or settings: new replicas become healthy
    before the old ones stop."""
    scope.require(Action.WRITE, "deployments")
    data = parse(DeploymentUpdate, data)
    current = get(scope, name)
    models_ = data.models or current.models
    inference = data.inference or current.inference
    config = data.config or current.config
    if current.local and config.port != current.config.port:
        config = config.model_copy(update={"port": current.config.port})  # a local service keeps its address
    _check_inference(scope, inference, models_)
    with scope.stores.db.write() as conn:
        row = store.read(conn, scope.workspace_id, name, for_update=True)
        store.change(conn, scope.workspace_id, name, {
            "models": models_, "inference": inference.model_dump(mode="json"),
            "config": config.model_dump(mode="json"), "generation": row.generation + 1,
            "desired_replicas": _desired(config), "state": DeploymentState.TRANSITIONING.value, "error": None,
            "description": current.description if data.description is None else data.description,
            "updated_at": utcnow(),
        })
    if current.local:
        ensure_local_host(scope, name)
    audit.record(scope, "deployment.update", f"deployment:{name}", models=models_)
    return get(scope, name)


def _row(scope: Scope, name: str) -> Any:
    check_name("endpoint name", name, 63)
    with scope.stores.db.read() as conn:
        row = store.read(conn, scope.workspace_id, name)
    if row is None:
        raise NotFound(f"no endpoint {name!r} in workspace {scope.workspace.name!r}; list them with "
                       "`kuznia endpoint list`")
    return row


def _entity(scope: Scope, row: Any, replicas: list[Any]) -> Deployment:
    config = DeploymentConfig.model_validate(row.config)
    scoring: str | None
    swagger: str | None
    if row.local:
        base = f"http://127.0.0.1:{config.port}"
        scoring, swagger = f"{base}/score", f"{base}/swagger.json"
    elif is_server(scope.stores):
        base = f"{scope.stores.tracking_uri}/api/v1/workspaces/{scope.workspace.name}/endpoints/{row.name}"
        scoring, swagger = f"{base}/score", f"{base}/swagger.json"
    else:
        scoring = swagger = None
    return Deployment(
        name=row.name, state=DeploymentState(row.state), models=row.models,
        inference=InferenceSpec.model_validate(row.inference), config=config, description=row.description,
        tags=row.tags, local=row.local, generation=row.generation, desired_replicas=row.desired_replicas,
        scoring_uri=scoring, swagger_uri=swagger, error=row.error,
        replicas=[Replica(id=r.id, generation=r.generation, state=ReplicaState(r.state), host=r.host, pid=r.pid,
                          port=r.port, restarts=r.restarts, started_at=r.started_at) for r in replicas],
        created_at=row.created_at, updated_at=row.updated_at,
    )


def get(scope: Scope, name: str) -> Deployment:
    """Raises NotFound."""
    scope.require(Action.READ, "deployments")
    row = _row(scope, name)
    with scope.stores.db.read() as conn:
        replicas = store.replicas(conn, scope.workspace_id, name)
    return _entity(scope, row, replicas)


def list_deployments(scope: Scope) -> list[Deployment]:
    scope.require(Action.READ, "deployments")
    with scope.stores.db.read() as conn:
        rows = store.list_rows(conn, scope.workspace_id)
        return [_entity(scope, row, store.replicas(conn, scope.workspace_id, row.name)) for row in rows]


def delete(scope: Scope, name: str) -> None:
    """Stop the replicas this host runs and forget the deployment."""
    scope.require(Action.WRITE, "deployments")
    _row(scope, name)
    with scope.stores.db.read() as conn:
        replicas = store.replicas(conn, scope.workspace_id, name)
        row = store.read(conn, scope.workspace_id, name)
    host = socket.gethostname()
    with scope.stores.db.write() as conn:
        store.remove(conn, scope.workspace_id, name)
    audit.record(scope, "deployment.delete", f"deployment:{name}")
    for replica in replicas:
        if replica.host == host:
            processes.stop(replica.pid, grace_seconds=2)
    if row.local and row.host_pid:
        processes.stop(row.host_pid, grace_seconds=5)


def using_model(scope: Scope, model_id: str) -> list[str]:
    """Names of deployments that serve ``model_id`` (name:version)."""
    with scope.stores.db.read() as conn:
        return [r.name for r in store.list_rows(conn, scope.workspace_id) if model_id in r.models]


# keys ---------------------------------------------------------------------------------------
def _keys(scope: Scope, row: Any) -> dict[str, str]:
    return json.loads(fernet(scope.stores).decrypt(row.keys))


def get_keys(scope: Scope, name: str) -> EndpointKeys:
    scope.require(Action.OWNER, "deployment keys")
    keys = _keys(scope, _row(scope, name))
    return EndpointKeys(primary_key=keys["primary"], secondary_key=keys["secondary"])


def regen_key(scope: Scope, name: str, which: KeyName | str) -> EndpointKeys:
    """Replace the Primary or Secondary key; the other keeps working meanwhile."""
    scope.require(Action.OWNER, "deployment keys")
    try:
        slot = KeyName(which).value.lower()
    except ValueError:
        raise InvalidInput(f"key: {which!r} is neither 'Primary' nor 'Secondary'") from None
    with scope.stores.db.write() as conn:
        row = store.read(conn, scope.workspace_id, check_name("endpoint name", name, 63), for_update=True)
        if row is None:
            raise NotFound(f"no endpoint {name!r} in workspace {scope.workspace.name!r}")
        keys = _keys(scope, row)
        keys[slot] = random_tokens.token_urlsafe(32)
        store.change(conn, scope.workspace_id, name, {"keys": fernet(scope.stores).encrypt(json.dumps(keys).encode())})
    audit.record(scope, "deployment.regenerate_key", f"deployment:{name}", key=slot)
    return EndpointKeys(primary_key=keys["primary"], secondary_key=keys["secondary"])


# logs and telemetry ---------------------------------------------------------------------------
def deployment_folder(stores: Stores, workspace: str, name: str) -> Any:
    return stores.endpoints_root / workspace / name


def get_logs(scope: Scope, name: str, max_chars: int = 50_000) -> str:
    """The environment build log and the tail of every replica's output."""
    scope.require(Action.READ, "deployments")
    _row(scope, name)
    folder = deployment_folder(scope.stores, scope.workspace.name, name)
    parts = []
    for path in sorted(folder.glob("gen-*/build.log")) + sorted(folder.glob("replicas/*.log")):
        text = processes.log_tail(path, max_chars)
        if text:
            parts.append(f"==> {path.relative_to(folder)} <==\n{text}")
    return "\n".join(parts)[-max_chars:] if parts else ""


def record_telemetry(stores: Stores, workspace_id: str, name: str, increments: dict[str, int]) -> None:
    if not increments:
        return
    with stores.db.write() as conn:
        row = store.read(conn, workspace_id, name, for_update=True)
        if row is None:
            return
        counts = dict(row.telemetry or {})
        for key, value in increments.items():
            counts[key] = counts.get(key, 0) + value
        store.change(conn, workspace_id, name, {"telemetry": counts})


def _percentile(buckets: dict[str, int], fraction: float) -> float | None:
    total = sum(buckets.values())
    if not total:
        return None
    target, seen, lower = total * fraction, 0, 0.0
    for bound in (*LATENCY_BUCKETS_MS, float("inf")):
        key = f"le_{bound}" if bound != float("inf") else "le_inf"
        count = buckets.get(key, 0)
        if seen + count >= target and count:
            upper = bound if bound != float("inf") else lower * 2 or 1.0
            return round(lower + (upper - lower) * (target - seen) / count, 2)
        seen += count
        lower = bound if bound != float("inf") else lower
    return None


def telemetry(scope: Scope, name: str) -> EndpointTelemetry:
    """Requests, status codes and latency percentiles (from the histogram) since creation."""
    scope.require(Action.READ, "deployments")
    counts = _row(scope, name).telemetry or {}
    buckets = {k.removeprefix("bucket_"): v for k, v in counts.items() if k.startswith("bucket_")}
    return EndpointTelemetry(
        requests=counts.get("requests", 0),
        status_codes={k.removeprefix("status_"): v for k, v in counts.items() if k.startswith("status_")},
        latency_ms_p50=_percentile(buckets, 0.5), latency_ms_p99=_percentile(buckets, 0.99),
        latency_buckets_ms=buckets,
    )


# routing ----------------------------------------------------------------------------------------
def route(stores: Stores, workspace: str, name: str) -> Route:
    """What the gateway needs: keys and the healthy replicas of the generation being served."""
    from kuznia.services.workspaces import open_scope

    try:
        scope = open_scope(stores, workspace)
        check_name("endpoint name", name, 63)
    except (NotFound, InvalidInput):
        return Route(exists=False)
    with stores.db.read() as conn:  # one snapshot of the row and its replicas
        row = store.read(conn, scope.workspace_id, name)
        replicas = store.replicas(conn, scope.workspace_id, name) if row else []
    if row is None:
        return Route(exists=False)
    healthy = [r for r in replicas if r.state == ReplicaState.HEALTHY.value and r.port]
    serving = [r for r in healthy if r.generation == row.serving_generation]
    if not serving and healthy:
        # the switch to a new generation is under way (or the database answered in between):
        # the newest healthy replicas still serve, rather than nobody
        newest = max(r.generation for r in healthy)
        serving = [r for r in healthy if r.generation == newest]
    ready = tuple((r.id, r.port) for r in serving)
    keys = _keys(scope, row)
    config = DeploymentConfig.model_validate(row.config)
    return Route(exists=True, auth_enabled=config.auth_enabled, keys=(keys["primary"], keys["secondary"]),
                 replicas=ready, state=row.state)


# local services -----------------------------------------------------------------------------------
def ensure_local_host(scope: Scope, name: str) -> None:
    """A local deployment is served by its own process (gateway and replicas) on its port;
    start it unless it runs."""
    row = _row(scope, name)
    if row.host_pid and processes.is_alive(row.host_pid):
        return
    folder = deployment_folder(scope.stores, scope.workspace.name, name)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "host.log", "ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "kuznia.server.endpoint_host", "--path", str(scope.stores.tracking_uri),
             "--workspace", scope.workspace.name, "--name", name],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
        )
    with scope.stores.db.write() as conn:
        store.change(conn, scope.workspace_id, name, {"host_pid": child.pid})
