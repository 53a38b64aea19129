"""Endpoints (deployments) in Studio: the list with states, and one endpoint's state,
scoring URI, replicas, keys (owners only), telemetry, logs and a "try it" box.

The try-it box cannot call the score route itself: that needs the endpoint's key
(only owners may see it), and a local web service listens on its own port, which
the page's CSP does not let it reach. So the page POSTs to Studio
(``…/endpoints/{name}/score``, CSRF-checked, JSON in and out), which forwards the
body to the deployment: through the server's gateway, or to the local web
service with the endpoint's key. Who may score is what the API allows: anyone who
may read the workspace's deployments.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from kuznia.entities.deployments import Deployment, EndpointKeys
from kuznia.errors import Forbidden, InvalidInput, KuzniaError
from kuznia.server.deps import ReadScopeDep, ScopeDep
from kuznia.services import deployments
from kuznia.services.scope import Scope
from kuznia.studio import csrf
from kuznia.studio.errors import StudioRoute
from kuznia.studio.templating import render
from kuznia.studio.viewer import ViewerDep

router = APIRouter(prefix="/workspaces/{workspace}/endpoints", route_class=StudioRoute, include_in_schema=False)
NamePath = Annotated[str, Path(max_length=63, description="endpoint name")]
CSRF_HEADER = "x-csrf-token"
MAX_SCORE_BYTES = 1024 * 1024
LOG_CHARS = 50_000
EXAMPLE_BODY = '{"data": [[5.1, 3.5, 1.4, 0.2]]}'


@router.get("", response_class=HTMLResponse)
def list_endpoints(request: Request, scope: ScopeDep) -> HTMLResponse:
    """Every endpoint of the workspace with its state and replicas."""
    return render(request, "endpoints.html", workspace=scope.workspace, section="endpoints", is_section_index=True,
                  endpoints=deployments.list_deployments(scope))


def _keys(scope: Scope, name: str, is_owner: bool) -> EndpointKeys | None:
    if not is_owner:
        return None
    try:
        return deployments.get_keys(scope, name)  # the service decides; the template only shows
    except Forbidden:
        return None


def _latency_rows(buckets: dict[str, int]) -> list[tuple[str, int]]:
    def bound(key: str) -> float:
        value = key.removeprefix("le_")
        return float("inf") if value == "inf" else float(value)

    rows = []
    for key in sorted(buckets, key=bound):
        value = key.removeprefix("le_")
        rows.append(("over the last bound" if value == "inf" else f"≤ {value.removesuffix('.0')} ms", buckets[key]))
    return rows


@router.get("/{name}", response_class=HTMLResponse)
def show_endpoint(request: Request, scope: ScopeDep, viewer: ViewerDep, name: NamePath) -> HTMLResponse:
    """State, scoring URI, replicas, keys (owners), telemetry, logs and the try-it box."""
    deployment = deployments.get(scope, name)
    telemetry = deployments.telemetry(scope, name)
    return render(
        request, "endpoint.html", workspace=scope.workspace, section="endpoints", endpoint=deployment,
        telemetry=telemetry, latency=_latency_rows(telemetry.latency_buckets_ms),
        status_codes=sorted(telemetry.status_codes.items()), keys=_keys(scope, name, viewer.is_owner),
        logs=deployments.get_logs(scope, name, LOG_CHARS), example=EXAMPLE_BODY,
        api_url=f"/api/v1/workspaces/{quote(scope.workspace.name)}/endpoints/{quote(deployment.name)}",
        score_url=f"/workspaces/{quote(scope.workspace.name)}/endpoints/{quote(deployment.name)}/score",
    )


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status_code=status, media_type="application/json")


async def _forward(request: Request, scope: Scope, deployment: Deployment, body: bytes) -> tuple[int, bytes]:
    workspace = scope.workspace.name
    if not deployment.local:
        async def viewer_may_score() -> bool:  # the viewer's role was checked by the caller
            return True

        return await request.app.state.gateway.score(workspace, deployment.name, body, None, viewer_may_score)
    # A local web service has its own gateway on its own port (it keeps the telemetry).
    route = await run_in_threadpool(deployments.route, scope.stores, workspace, deployment.name)
    headers = {"content-type": "application/json"}
    if route.keys:
        headers["authorization"] = f"Bearer {route.keys[0]}"
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(300.0, connect=5.0)) as client:
            answer = await client.post(str(deployment.scoring_uri), content=body, headers=headers)
    except httpx.TransportError as exc:
        message = f"the local web service of {deployment.name!r} did not answer ({type(exc).__name__})"
        return 503, json.dumps({"error": {"code": "ServiceUnavailable", "message": message}}).encode()
    return answer.status_code, answer.content


@router.post("/{name}/score")
async def try_score(request: Request, scope: ReadScopeDep, name: NamePath) -> Response:
    """The try-it box: JSON in, the endpoint's answer out, with its status code."""
    try:
        csrf.verify(request, request.headers.get(CSRF_HEADER))
        body = await request.body()
        if len(body) > MAX_SCORE_BYTES:
            raise InvalidInput(f"the request body is over {MAX_SCORE_BYTES // 1024} KB; use the scoring URI")
        deployment = await run_in_threadpool(deployments.get, scope, name)
        if not deployment.scoring_uri:
            raise InvalidInput(f"endpoint {name!r} has no scoring URI here")
    except KuzniaError as exc:
        return _error(exc.status_code, exc.code, exc.message)
    status, payload = await _forward(request, scope, deployment, body)
    return Response(payload, status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
