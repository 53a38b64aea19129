"""The FastAPI application of ``kuznia server``."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Response
from pydantic import BaseModel

from kuznia import __version__
from kuznia.entities.metrics import MetricBatch
from kuznia.errors import Forbidden
from kuznia.server.api import (
    compute,
    endpoints,
    environments,
    experiments,
    files,
    logs,
    metrics,
    models,
    runs,
    secrets,
    snapshots,
    workspaces,
)
from kuznia.server.api import users as user_routes
from kuznia.server.auth import AuthMiddleware
from kuznia.server.deps import PrincipalDep
from kuznia.server.errors import install_error_handlers
from kuznia.server.limits import BodyLimitMiddleware
from kuznia.server.loops import DeploymentLoop, DispatchLoop
from kuznia.server.openapi import document_errors
from kuznia.server.scoring import ScoringFastPath
from kuznia.server.settings import ServerSettings
from kuznia.services import deployments, users
from kuznia.services.deployment_manager import DeploymentManager
from kuznia.services.stores import Stores, open_server
from kuznia.serving.gateway import Gateway
from kuznia.studio import STATIC_DIR as STUDIO_STATIC
from kuznia.studio import StudioStaticFiles
from kuznia.studio import router as studio_router

API_PREFIX = "/api/v1"


def create_app(stores: Stores | None = None, settings: ServerSettings | None = None) -> FastAPI:
    """Build the app over ``stores`` (or the stores named by ``settings`` / the environment)."""
    settings = settings or ServerSettings()
    if stores is None:
        stores = open_server(settings.database_url, settings.storage_url, settings.key_file)
        stores.db.migrate()
    if settings.public_url:
        stores.tracking_uri = settings.public_url  # bootstraps talk back to this server

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        loop = DispatchLoop(stores, settings.dispatch_interval_seconds)
        app.state.dispatch_loop = loop
        serving = DeploymentLoop(DeploymentManager(stores, local=False, gateway=app.state.gateway))
        if settings.dispatch_interval_seconds > 0:
            loop.start()  # the first tick recovers what a restart left behind
            serving.start()
        try:
            yield
        finally:
            if settings.dispatch_interval_seconds > 0:
                loop.stop()
                serving.stop()
            app.state.gateway.close()

    app = FastAPI(
        title="Kuźnia",
        version=__version__,
        description="REST API of a Kuźnia server: workspaces, experiments, runs, metrics and files.",
        lifespan=lifespan,
    )
    app.state.stores = stores
    app.state.settings = settings
    app.state.scopes = {}
    app.state.gateway = Gateway(lambda workspace, name: deployments.route(stores, workspace, name))
    if settings.auth_required:
        preset = os.environ.get("KUZNIA_ADMIN_TOKEN")
        first_admin = users.init_admin(stores, token=preset)
        if first_admin is not None and preset is None:
            print(f"Created the first admin user {first_admin.user!r}. Its API token, shown only now — "
                  f"keep it safe:\n    {first_admin.token}\nUse it with `kuznia login` or KUZNIA_TOKEN.",
                  flush=True)
    install_error_handlers(app)
    app.add_middleware(AuthMiddleware, stores=stores, required=settings.auth_required)
    app.add_middleware(ScoringFastPath, stores=stores)  # inside the body limit, before auth
    app.add_middleware(
        BodyLimitMiddleware, max_body=settings.max_body_bytes, max_file=settings.max_file_bytes
    )

    @app.get("/metrics", tags=["server"], include_in_schema=False)
    def prometheus_metrics(principal: PrincipalDep) -> Response:
        """Prometheus metrics: endpoint requests and latency, of every workspace (admins only:
        the labels name every workspace and endpoint of the server)."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        if not principal.is_all_powerful:
            raise Forbidden("/metrics covers every workspace of the server: scrape it with a server admin's token")

        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health", tags=["server"])
    def health() -> dict[str, str]:
        """Liveness: answers without authentication."""
        return {"status": "ok", "version": __version__}

    for module in (workspaces, experiments, runs, metrics, files, logs, snapshots, compute, environments,
                   secrets, models, endpoints, user_routes):
        app.include_router(module.router, prefix=API_PREFIX)
    app.mount("/static", StudioStaticFiles(directory=STUDIO_STATIC), name="static")
    app.include_router(studio_router)
    _document_raw_bodies(app, (MetricBatch,))
    return app


def _document_raw_bodies(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """Routes that parse their body themselves (for speed) still show its schema in OpenAPI."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        document_errors(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from ``KUZNIA_*`` environment variables."""
    return create_app()
