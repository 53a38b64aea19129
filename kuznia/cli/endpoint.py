"""kuznia endpoint deploy | list | show | logs | score | keys | update | delete"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from kuznia.cli.output import (
    console,
    errors_as_messages,
    json_option,
    print_fields,
    print_json,
    print_table,
    when,
)
from kuznia.cli.target import PathOption, ServerOption, WorkspaceOption, open_workspace

app = typer.Typer(help="Models served as HTTP endpoints: deploy, score, watch, roll out, remove.",
                  no_args_is_help=True)


def _environment(ws: Any, spec: str | None) -> Any:
    if not spec:
        return None
    from kuznia.sdk.environment import Environment

    name, _, version = spec.partition(":")
    return Environment.get(ws, name, version=int(version) if version else None)


def _config(replicas: int | None, no_auth: bool, autoscale_max: int | None, memory_gb: float | None) -> Any:
    from kuznia.sdk.webservice import Webservice

    options: dict[str, Any] = {"auth_enabled": not no_auth}
    if replicas is not None:
        options["replicas"] = replicas
    if memory_gb is not None:
        options["memory_gb"] = memory_gb
    if autoscale_max is not None:
        options.update(autoscale_enabled=True, autoscale_max_replicas=autoscale_max)
    return Webservice.deploy_configuration(**options)


@app.command()
def deploy(
    name: str,
    model: list[str] = typer.Option(..., "--model", "-m", help="Model id NAME:VERSION (repeatable)."),
    entry_script: str = typer.Option(..., "--entry-script", "-e", help="Scoring script with init() and run(raw_data)."),
    source_dir: Path = typer.Option(Path("."), "--source-dir", "-s", help="Folder of the scoring code."),
    environment: str = typer.Option(None, "--environment", help="Registered environment NAME[:VERSION]."),
    replicas: int = typer.Option(None, "--replicas", help="How many replicas (default 1)."),
    autoscale_max: int = typer.Option(None, "--autoscale-max", help="Scale between the replicas and this many."),
    memory_gb: float = typer.Option(None, "--memory-gb", help="Memory limit per replica."),
    no_auth: bool = typer.Option(False, "--no-auth", help="Serve without keys."),
    local: bool = typer.Option(False, "--local", help="Serve from its own process on this machine (LocalWebservice)."),
    port: int = typer.Option(None, "--port", help="With --local: the port."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an endpoint of that name."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait until it is Healthy."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Deploy models with a scoring script.

    Example: kuznia endpoint deploy iris-svc -m iris:1 -e score.py -s ./scoring --replicas 2
    """
    from kuznia.sdk.model import Model
    from kuznia.sdk.webservice import InferenceConfig, LocalWebservice

    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        inference = InferenceConfig(entry_script, source_directory=source_dir, environment=_environment(ws, environment))
        config = LocalWebservice.deploy_configuration(port=port) if local else _config(replicas, no_auth,
                                                                                       autoscale_max, memory_gb)
        with console.status(f"deploying {name}…"):
            service = Model.deploy(ws, name, model, inference, config, overwrite=overwrite)
            if wait:
                service.wait_for_deployment()
    if as_json:
        print_json(service._entity.model_dump(mode="json"))
        return
    console.print(f"Endpoint [bold]{name}[/] {service.state}: {service.scoring_uri}")


@app.command("list")
def list_(
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List endpoints with their state, models and replicas."""
    from kuznia.sdk.webservice import Webservice

    with errors_as_messages():
        services = Webservice.list(open_workspace(workspace, path, server))
    if as_json:
        print_json([s._entity.model_dump(mode="json") for s in services])
        return
    print_table(None, ["name", "state", "models", "replicas", "scoring uri", "updated"],
                [(s.name, s.state, ", ".join(s.models),
                  f"{sum(r.state == 'healthy' for r in s._entity.replicas)}/{s._entity.desired_replicas}",
                  s.scoring_uri, when(s._entity.updated_at)) for s in services],
                empty="no endpoints; kuznia endpoint deploy NAME -m MODEL:VERSION -e score.py")


@app.command()
def show(
    name: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Show an endpoint: state, replicas, URIs and telemetry (requests, status codes, latency)."""
    from kuznia.sdk.webservice import Webservice

    with errors_as_messages():
        service = Webservice(open_workspace(workspace, path, server), name)
        telemetry = service.get_telemetry()
    entity = service._entity
    if as_json:
        print_json({**entity.model_dump(mode="json"), "telemetry": telemetry.model_dump(mode="json")})
        return
    print_fields(f"Endpoint {name}", [
        ("state", entity.state.value), ("error", entity.error), ("models", ", ".join(entity.models)),
        ("scoring uri", entity.scoring_uri), ("swagger uri", entity.swagger_uri),
        ("auth", "keys" if entity.config.auth_enabled else "none"), ("generation", entity.generation),
        ("replicas", f"{entity.desired_replicas} wanted"),
        *((f"replica {r.id[:8]}", f"{r.state.value} gen {r.generation} pid {r.pid} port {r.port} "
           f"restarts {r.restarts}") for r in entity.replicas),
        ("requests", telemetry.requests),
        ("status codes", ", ".join(f"{k}: {v}" for k, v in sorted(telemetry.status_codes.items()))),
        ("latency p50", f"{telemetry.latency_ms_p50} ms" if telemetry.latency_ms_p50 is not None else ""),
        ("latency p99", f"{telemetry.latency_ms_p99} ms" if telemetry.latency_ms_p99 is not None else ""),
    ])


@app.command()
def logs(
    name: str,
    lines: int = typer.Option(200, "--lines", "-n", help="How many lines from the end."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """The environment build log and the replicas' output (init() tracebacks land here)."""
    from kuznia.sdk.webservice import Webservice

    with errors_as_messages():
        typer.echo(Webservice(open_workspace(workspace, path, server), name).get_logs(num_lines=lines))


@app.command()
def score(
    name: str,
    data: str = typer.Option(None, "--data", "-d", help="JSON to send, e.g. '{\"data\": [[5.1, 3.5, 1.4, 0.2]]}'."),
    file: Path = typer.Option(None, "--file", "-f", help="A JSON file to send."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = typer.Option(True, "--json", help="The answer is printed as JSON (always)."),
) -> None:
    """Send JSON to an endpoint and print the answer (JSON)."""
    from kuznia.errors import InvalidInput
    from kuznia.sdk.webservice import Webservice

    with errors_as_messages():
        if (data is None) == (file is None):
            raise InvalidInput("give --data JSON or --file FILE")
        body = data if data is not None else file.read_text()
        answer = Webservice(open_workspace(workspace, path, server), name).run(body)
    print_json(answer)


@app.command()
def keys(
    name: str,
    regenerate: str = typer.Option(None, "--regenerate", help="Primary or Secondary: replace that key first."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = typer.Option(True, "--json", help="The keys are printed as JSON (always)."),
) -> None:
    """Print an endpoint's keys (send one as 'Authorization: Bearer KEY')."""
    from kuznia.sdk.webservice import Webservice

    with errors_as_messages():
        service = Webservice(open_workspace(workspace, path, server), name)
        if regenerate:
            service.regen_key(regenerate)
        primary, secondary = service.get_keys()
    print_json({"primary_key": primary, "secondary_key": secondary})


@app.command()
def update(
    name: str,
    model: list[str] = typer.Option(None, "--model", "-m", help="New model ids (repeatable)."),
    entry_script: str = typer.Option(None, "--entry-script", "-e", help="New scoring script (with --source-dir)."),
    source_dir: Path = typer.Option(None, "--source-dir", "-s"),
    environment: str = typer.Option(None, "--environment", help="Registered environment NAME[:VERSION]."),
    replicas: int = typer.Option(None, "--replicas"),
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Roll out new models, code or replicas without dropping requests."""
    from kuznia.sdk.webservice import InferenceConfig, Webservice

    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        service = Webservice(ws, name)
        inference = None
        if entry_script or source_dir or environment:
            inference = InferenceConfig(entry_script or service._entity.inference.entry_script,
                                        source_directory=source_dir or Path("."),
                                        environment=_environment(ws, environment))
        config = None
        if replicas is not None:
            config = service._entity.config.model_copy(update={"replicas": replicas})
        with console.status(f"rolling out {name}…"):
            service.update(models=model or None, inference_config=inference, deployment_config=config)
            if wait:
                generation = service._entity.generation
                import time

                while True:
                    service.refresh()
                    if service.state == "Failed":
                        break
                    if service.state == "Healthy" and all(r.generation == generation for r in service._entity.replicas):
                        break
                    time.sleep(0.3)
    console.print(f"Endpoint [bold]{name}[/] {service.state} (generation {service._entity.generation})")


@app.command()
def delete(
    name: str,
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Stop an endpoint's replicas and remove it."""
    from kuznia.sdk.webservice import Webservice

    with errors_as_messages():
        Webservice(open_workspace(workspace, path, server), name).delete()
    console.print(f"Endpoint [bold]{name}[/] deleted.")
