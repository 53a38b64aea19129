from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from kuznia.entities.deployments import (
    Deployment,
    DeploymentCreate,
    DeploymentUpdate,
    EndpointKeys,
    EndpointTelemetry,
    KeyName,
)
from kuznia.server.deps import ScopeDep
from kuznia.server.responses import TEXT, json_response
from kuznia.server.scoring import member_may_score
from kuznia.services import deployments

router = APIRouter(prefix="/workspaces/{workspace}/endpoints", tags=["endpoints"])


@router.post("", response_model=Deployment, status_code=201)
def deploy(data: DeploymentCreate, scope: ScopeDep) -> Response:
    """Deploy models with a scoring script; replicas start in the background."""
    return json_response(deployments.deploy(scope, data), 201)


@router.get("", response_model=list[Deployment])
def list_endpoints(scope: ScopeDep) -> Response:
    """Every deployment of the workspace with its state and replicas."""
    return json_response(deployments.list_deployments(scope), item_type=Deployment)


@router.get("/{name}", response_model=Deployment)
def get(name: str, scope: ScopeDep) -> Response:
    """One deployment: state, replicas, scoring and swagger URIs."""
    return json_response(deployments.get(scope, name))


@router.patch("/{name}", response_model=Deployment)
def update(name: str, data: DeploymentUpdate, scope: ScopeDep) -> Response:
    """Roll out new models, code or settings (new replicas first, then the old ones go)."""
    return json_response(deployments.update(scope, name, data))


@router.delete("/{name}", status_code=204)
def delete(name: str, scope: ScopeDep) -> Response:
    """Stop and forget a deployment."""
    deployments.delete(scope, name)
    return Response(status_code=204)


@router.get("/{name}/keys", response_model=EndpointKeys)
def keys(name: str, scope: ScopeDep) -> Response:
    """The endpoint's Primary and Secondary keys."""
    return json_response(deployments.get_keys(scope, name))


@router.post("/{name}/keys/regenerate", response_model=EndpointKeys)
def regenerate(name: str, scope: ScopeDep, key: Annotated[KeyName, Query()] = KeyName.PRIMARY) -> Response:
    """Replace one of the two keys."""
    return json_response(deployments.regen_key(scope, name, key))


@router.get("/{name}/logs", response_class=Response, responses=TEXT)
def logs(name: str, scope: ScopeDep) -> Response:
    """The environment build log and the tail of each replica's output."""
    return Response(deployments.get_logs(scope, name), media_type="text/plain; charset=utf-8")


@router.get("/{name}/telemetry", response_model=EndpointTelemetry)
def telemetry(name: str, scope: ScopeDep) -> Response:
    """Requests, status codes and latency percentiles."""
    return json_response(deployments.telemetry(scope, name))


@router.post("/{name}/score")
async def score(name: str, workspace: str, request: Request) -> Response:
    """Score: the body goes to run(raw_data) of a healthy replica. Auth: the endpoint's key
    (or an API token of a workspace member). A server answers this before routing
    (server/scoring.py); this declaration documents it and serves apps without that layer."""
    authorization = request.headers.get("authorization")

    async def token_may_score() -> bool:  # asked only when the endpoint's key does not match
        return await run_in_threadpool(member_may_score, request.app.state.stores, workspace, authorization)

    status, body = await request.app.state.gateway.score(
        workspace, name, await request.body(), authorization, token_may_score)
    return Response(body, status_code=status, media_type="application/json")


@router.get("/{name}/swagger.json")
async def swagger(name: str, workspace: str, request: Request) -> Response:
    """The service's swagger, from the scoring script's input/output schemas when it has them."""
    status, body = await request.app.state.gateway.swagger(workspace, name)
    return Response(body, status_code=status, media_type="application/json")
