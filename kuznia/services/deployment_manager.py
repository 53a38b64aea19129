"""Making replicas match deployments: start, watch, restart, roll over, scale.

One manager runs per serving process (the server for server deployments, a local
endpoint host for a local one). Each ``tick`` reconciles every deployment it
manages; the slow part — building the environment, fetching code and models —
runs in a thread, once per generation.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kuznia.entities.common import utcnow
from kuznia.entities.deployments import (
    DeploymentConfig,
    DeploymentState,
    InferenceSpec,
    ReplicaState,
)
from kuznia.environments.cache import EnvironmentCache
from kuznia.services import deployments, models, snapshots
from kuznia.services.scope import Scope
from kuznia.services.stores import Stores
from kuznia.services.workspaces import open_scope
from kuznia.serving import processes
from kuznia.serving.gateway import Gateway
from kuznia.store import deployments as store

log = logging.getLogger("kuznia.serving")
INIT_FAILURES_BEFORE_FAILED = 3
DRAIN_SECONDS = 2.0


@dataclass
class Generation:
    folder: Path
    src: Path
    models: Path
    single_model: Path | None
    python: str
    env: dict[str, str]
    entry_script: str


@dataclass
class _Autoscale:
    high_ticks: int = 0
    low_ticks: int = 0


@dataclass
class DeploymentManager:
    stores: Stores
    local: bool
    only: tuple[str, str] | None = None
    gateway: Gateway | None = None
    host: str = field(default_factory=socket.gethostname)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    generations: dict[tuple[str, str, int], Generation] = field(default_factory=dict)
    preparing: dict[tuple[str, str, int], threading.Thread] = field(default_factory=dict)
    failures: dict[tuple[str, str, int], int] = field(default_factory=dict)
    draining: dict[str, tuple[float, int | None]] = field(default_factory=dict)
    autoscale: dict[tuple[str, str], _Autoscale] = field(default_factory=dict)
    restarts: dict[tuple[str, str], int] = field(default_factory=dict)

    def managed(self) -> list[tuple[str, str]]:
        if self.only is not None:
            return [self.only]
        with self.stores.db.read() as conn:
            return store.managed(conn, self.local)

    def tick(self) -> None:
        for workspace, name in self.managed():
            try:
                self.reconcile(open_scope(self.stores, workspace), name)
            except Exception:  # one broken deployment must not stop the others
                log.exception("reconciling %s/%s failed", workspace, name)
        self._stop_orphans()

    def stop_all(self) -> None:
        for replica_id, child in list(self.processes.items()):
            processes.stop(child.pid, grace_seconds=5)
            self.processes.pop(replica_id, None)

    def _stop_orphans(self) -> None:
        with self.stores.db.read() as conn:
            known = store.all_replica_ids(conn)
        for replica_id in [r for r in self.processes if r not in known]:
            processes.stop(self.processes.pop(replica_id).pid, grace_seconds=5)

    # preparing a generation ----------------------------------------------------------------
    def _generation(self, scope: Scope, row: Any) -> Generation | None:
        key = (scope.workspace.name, row.name, row.generation)
        if key in self.generations:
            return self.generations[key]
        thread = self.preparing.get(key)
        if thread is None:
            thread = threading.Thread(target=self._prepare, args=(scope, row, key), daemon=True)
            self.preparing[key] = thread
            thread.start()
        return None

    def _prepare(self, scope: Scope, row: Any, key: tuple[str, str, int]) -> None:
        folder = deployments.deployment_folder(self.stores, scope.workspace.name, row.name) / f"gen-{row.generation}"
        try:
            shutil.rmtree(folder, ignore_errors=True)
            src, model_root = folder / "src", folder / "models"
            inference = InferenceSpec.model_validate(row.inference)
            manifest = snapshots.get_manifest(scope, inference.snapshot_id)
            for entry in manifest.entries:
                _write(src / entry.path, scope.stores.blobs.iter_bytes(entry.digest), entry.mode)
            single = None
            for model_id in row.models:
                name, version = model_id.split(":")
                files = models.get_files(scope, name, int(version))
                base = model_root / name / version
                for entry in files.entries:
                    _write(base / entry.path, scope.stores.blobs.iter_bytes(entry.digest), entry.mode)
                single = base if len(row.models) == 1 else None
            python, env = self._environment(inference, folder)
            self.generations[key] = Generation(folder, src, model_root, single, python, env, inference.entry_script)
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            log.warning("deployment %s generation %s cannot start: %s", row.name, row.generation, message)
            self._set_state(scope, row.name, DeploymentState.FAILED, f"could not prepare the deployment: {message}")
        finally:
            self.preparing.pop(key, None)

    def _environment(self, inference: InferenceSpec, folder: Path) -> tuple[str, dict[str, str]]:
        import os
        import sys

        if inference.environment is None:
            return sys.executable, dict(os.environ)
        cache = EnvironmentCache(self.stores.env_cache)
        with open(folder / "build.log", "a") as build_log:
            prepared = cache.prepare(inference.environment, build_log.write)
        return prepared.python, {**os.environ, **inference.environment.environment_variables}

    # reconciling ----------------------------------------------------------------------------------
    def reconcile(self, scope: Scope, name: str) -> None:
        with self.stores.db.read() as conn:
            row = store.read(conn, scope.workspace_id, name)
            replicas = store.replicas(conn, scope.workspace_id, name) if row else []
        if row is None:
            return
        config = DeploymentConfig.model_validate(row.config)
        generation = self._generation(scope, row)
        mine = [r for r in replicas if r.host == self.host]
        for replica in mine:
            self._watch(scope, row, replica, config)
        if row.state == DeploymentState.FAILED.value and row.error and generation is None:
            return
        with self.stores.db.read() as conn:
            replicas = store.replicas(conn, scope.workspace_id, name)
        current = [r for r in replicas if r.generation == row.generation
                   and r.state in (ReplicaState.STARTING.value, ReplicaState.HEALTHY.value)]
        desired = self._autoscaled(scope, row, config, current)
        failed = self.failures.get((scope.workspace.name, name, row.generation), 0) >= INIT_FAILURES_BEFORE_FAILED
        if generation is not None and not failed:
            restarts = self.restarts.get((scope.workspace.name, name), 0)
            for _ in range(desired - len(current)):
                self._start(scope, row, generation, config, restarts)
        for extra in sorted(current, key=lambda r: r.started_at)[desired:] if len(current) > desired else []:
            self._retire(scope, extra)
        healthy = [r for r in current if r.state == ReplicaState.HEALTHY.value]
        serving = row.serving_generation
        values: dict[str, Any] = {}
        if serving != row.generation and len(healthy) >= desired:
            values["serving_generation"] = serving = row.generation
        if serving == row.generation:
            for old in replicas:
                if old.generation != row.generation and old.state != ReplicaState.STOPPING.value:
                    self._retire(scope, old)
        if failed:
            state, error = DeploymentState.FAILED, self._failure_message(scope, name)
        elif serving == row.generation and len(healthy) >= desired:
            state, error = DeploymentState.HEALTHY, None
        elif serving is None or serving != row.generation:
            state, error = DeploymentState.TRANSITIONING, None
        else:
            state, error = DeploymentState.UNHEALTHY, f"{len(healthy)} of {desired} replicas are healthy"
        if state.value != row.state or error != row.error:
            values.update(state=state.value, error=error, updated_at=utcnow())
        if desired != row.desired_replicas:
            values["desired_replicas"] = desired
        if values:
            with self.stores.db.write() as conn:
                store.change(conn, scope.workspace_id, name, values)
        self._finish_draining(scope)
        self._flush_telemetry(scope, name)

    def _watch(self, scope: Scope, row: Any, replica: Any, config: DeploymentConfig) -> None:
        child = self.processes.get(replica.id)
        alive = child.poll() is None if child else processes.is_alive(replica.pid)
        folder = deployments.deployment_folder(self.stores, scope.workspace.name, row.name) / "replicas"
        if replica.state == ReplicaState.STARTING.value:
            port = processes.ready_port(folder / f"{replica.id}.ready")
            if port is not None and alive:
                with self.stores.db.write() as conn:
                    store.change_replica(conn, replica.id, {"state": ReplicaState.HEALTHY.value, "port": port})
                self.failures.pop((scope.workspace.name, row.name, replica.generation), None)
                if self.gateway:
                    self.gateway.forget(scope.workspace.name, row.name)
            elif not alive:
                key = (scope.workspace.name, row.name, replica.generation)
                self.failures[key] = self.failures.get(key, 0) + 1
                self._drop(replica)
        elif replica.state == ReplicaState.HEALTHY.value and not alive:
            log.warning("replica %s of %s died; starting another", replica.id, row.name)
            counter = (scope.workspace.name, row.name)
            self.restarts[counter] = max(self.restarts.get(counter, 0), replica.restarts) + 1
            self._drop(replica)
            if self.gateway:
                self.gateway.forget(scope.workspace.name, row.name)

    def _drop(self, replica: Any) -> None:
        self.processes.pop(replica.id, None)
        with self.stores.db.write() as conn:
            store.remove_replica(conn, replica.id)

    def _start(self, scope: Scope, row: Any, generation: Generation, config: DeploymentConfig, restarts: int) -> None:
        replica_id = str(uuid.uuid4())
        folder = deployments.deployment_folder(self.stores, scope.workspace.name, row.name) / "replicas"
        child = processes.start_replica(
            generation.python, generation.entry_script, generation.src, generation.models, generation.single_model,
            generation.env, folder / f"{replica_id}.log", folder / f"{replica_id}.ready", row.name, config.memory_gb,
        )
        self.processes[replica_id] = child
        with self.stores.db.write() as conn:
            store.add_replica(conn, {
                "id": replica_id, "workspace_id": scope.workspace_id, "deployment": row.name,
                "generation": row.generation, "state": ReplicaState.STARTING.value, "host": self.host,
                "pid": child.pid, "port": None, "restarts": restarts, "started_at": utcnow(),
            })

    def _retire(self, scope: Scope, replica: Any) -> None:
        """Out of the route at once; stopped after the gateways' caches let go of it."""
        with self.stores.db.write() as conn:
            store.change_replica(conn, replica.id, {"state": ReplicaState.STOPPING.value})
        self.draining[replica.id] = (time.monotonic(), replica.pid)
        if self.gateway:
            self.gateway.forget(scope.workspace.name, replica.deployment)

    def _finish_draining(self, scope: Scope) -> None:
        now = time.monotonic()
        for replica_id, (since, pid) in list(self.draining.items()):
            if now - since < DRAIN_SECONDS:
                continue
            self.draining.pop(replica_id)
            child = self.processes.pop(replica_id, None)
            processes.stop(child.pid if child else pid)  # SIGTERM: uvicorn finishes in-flight requests
            with self.stores.db.write() as conn:
                store.remove_replica(conn, replica_id)

    def _failure_message(self, scope: Scope, name: str) -> str:
        folder = deployments.deployment_folder(self.stores, scope.workspace.name, name) / "replicas"
        logs = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime)
        tail = processes.log_tail(logs[-1], 4000) if logs else ""
        return f"init() failed in {INIT_FAILURES_BEFORE_FAILED} replicas in a row; see get_logs(). {tail[-1500:]}"

    def _autoscaled(self, scope: Scope, row: Any, config: DeploymentConfig, current: list[Any]) -> int:
        desired = row.desired_replicas
        if not config.autoscale_enabled or self.gateway is None:
            return desired
        healthy = max(1, sum(r.state == ReplicaState.HEALTHY.value for r in current))
        utilization = 100 * self.gateway.in_flight(scope.workspace.name, row.name) / (
            healthy * config.max_concurrent_requests_per_replica)
        state = self.autoscale.setdefault((scope.workspace.name, row.name), _Autoscale())
        if utilization > config.autoscale_target_utilization:
            state.high_ticks, state.low_ticks = state.high_ticks + 1, 0
        elif utilization < config.autoscale_target_utilization / 2:
            state.low_ticks, state.high_ticks = state.low_ticks + 1, 0
        else:
            state.high_ticks = state.low_ticks = 0
        if state.high_ticks >= 2 and desired < config.autoscale_max_replicas:
            state.high_ticks = 0
            return desired + 1
        if state.low_ticks >= 20 and desired > config.autoscale_min_replicas:
            state.low_ticks = 0
            return desired - 1
        return desired

    def _set_state(self, scope: Scope, name: str, state: DeploymentState, error: str | None) -> None:
        with self.stores.db.write() as conn:
            store.change(conn, scope.workspace_id, name, {"state": state.value, "error": error, "updated_at": utcnow()})

    def _flush_telemetry(self, scope: Scope, name: str) -> None:
        if self.gateway is None:
            return
        stats = self.gateway.stats.get((scope.workspace.name, name))
        if stats is not None:
            deployments.record_telemetry(self.stores, scope.workspace_id, name, stats.take_unsent())


def _write(path: Path, chunks: Any, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    path.chmod(mode & 0o777)  # never setuid/setgid/sticky, whatever a manifest says
