"""The server's background loop: reap silent runs and start queued ones, for every workspace."""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from kuznia.services import compute, workspaces
from kuznia.services.deployment_manager import DeploymentManager
from kuznia.services.stores import Stores

log = logging.getLogger("kuznia.server")


class DispatchLoop:
    """Runs ``compute.tick`` for each workspace every ``interval`` seconds, or sooner when woken."""

    def __init__(self, stores: Stores, interval: float = 2.0) -> None:
        self.stores = stores
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kuznia-dispatch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick_all()
            except Exception:  # a bad tick must not stop the loop
                log.exception("dispatch loop tick failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def tick_all(self) -> None:
        for name in compute.workspaces_with_work(self.stores):
            compute.tick(workspaces.open_scope(self.stores, name))


class DeploymentLoop:
    """Runs the deployment manager of this server every ``interval`` seconds."""

    def __init__(self, manager: DeploymentManager, interval: float = 0.5) -> None:
        self.manager = manager
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kuznia-deployments", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, stop_replicas: bool = False) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if stop_replicas:
            self.manager.stop_all()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.manager.tick()
            except Exception:
                log.exception("deployment manager tick failed")


def wake_dispatcher(app: FastAPI) -> None:
    loop: DispatchLoop | None = getattr(app.state, "dispatch_loop", None)
    if loop is not None:
        loop.wake()
