"""A local endpoint host: the gateway and the replicas of one local deployment, on its port.

``python -m kuznia.server.endpoint_host --path STORE --workspace W --name N`` is
started by a LocalWebservice deployment on an embedded workspace (there is no
server to host its gateway). It serves ``POST /score``, ``GET /swagger.json``,
``GET /health`` and ``GET /metrics`` on 127.0.0.1, runs the deployment manager
for its one deployment, and exits when that deployment is deleted.
"""

from __future__ import annotations

import argparse
import logging
import threading

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kuznia.entities.deployments import DeploymentConfig
from kuznia.services import deployments
from kuznia.services.deployment_manager import DeploymentManager
from kuznia.services.stores import open_embedded
from kuznia.services.workspaces import open_scope
from kuznia.serving.gateway import Gateway
from kuznia.store import deployments as store

log = logging.getLogger("kuznia.serving")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m kuznia.server.endpoint_host")
    parser.add_argument("--path", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    stores = open_embedded(args.path)
    scope = open_scope(stores, args.workspace)
    with stores.db.read() as conn:
        row = store.read(conn, scope.workspace_id, args.name)
    if row is None:
        return
    port = DeploymentConfig.model_validate(row.config).port or 0
    gateway = Gateway(lambda workspace, name: deployments.route(stores, workspace, name))
    manager = DeploymentManager(stores, local=True, only=(args.workspace, args.name), gateway=gateway)

    async def score(request: Request) -> Response:
        status, body = await gateway.score(args.workspace, args.name, await request.body(),
                                           request.headers.get("authorization"))
        return Response(body, status_code=status, media_type="application/json")

    async def swagger(_: Request) -> Response:
        status, body = await gateway.swagger(args.workspace, args.name)
        return Response(body, status_code=status, media_type="application/json")

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "endpoint": args.name})

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(routes=[
        Route("/score", score, methods=["POST"]),
        Route("/swagger.json", swagger, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    stop = threading.Event()

    def manage() -> None:
        while not stop.wait(0.5):
            try:
                with stores.db.read() as conn:
                    if store.read(conn, scope.workspace_id, args.name) is None:
                        break  # deleted: stop serving
                manager.tick()
            except Exception:
                log.exception("deployment manager tick failed")
        manager.stop_all()
        server.should_exit = True

    worker = threading.Thread(target=manage, daemon=True)
    worker.start()
    try:
        server.run()  # run(), not asyncio.run(serve()): it installs uvloop
    finally:
        stop.set()
        worker.join(timeout=15)
        gateway.close()


if __name__ == "__main__":
    main()
