"""kuznia environment create | list | show | build | cache | prune"""

from __future__ import annotations

from pathlib import Path

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

app = typer.Typer(help="Python environments for runs: built once with uv, cached, reused.", no_args_is_help=True)


def _size(value: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024  # type: ignore[assignment]
    return str(value)


@app.command()
def create(
    name: str,
    requirements: Path = typer.Option(None, "--requirements", "-r", help="A pip requirements file."),
    conda_file: Path = typer.Option(None, "--conda-file", help="A conda YAML file (its pip: part and Python)."),
    package: list[str] = typer.Option(None, "--package", "-p", help="A pip package (repeatable)."),
    python: str = typer.Option(None, "--python", help="Python version, e.g. 3.11 (default: the server's)."),
    env: list[str] = typer.Option(None, "--env", "-e", help="NAME=VALUE variable for runs (repeatable)."),
    build: bool = typer.Option(False, "--build", help="Build it now, so the first run starts at once."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Register an environment (a new version when it changed).

    Example: kuznia environment create sklearn -r requirements.txt --build
    """
    from kuznia.errors import InvalidInput
    from kuznia.sdk.environment import CondaDependencies, Environment

    with errors_as_messages():
        if requirements and conda_file:
            raise InvalidInput("give either --requirements or --conda-file, not both")
        if requirements:
            environment = Environment.from_pip_requirements(name, requirements)
        elif conda_file:
            environment = Environment.from_conda_specification(name, conda_file)
        else:
            environment = Environment(name)
            environment.python.conda_dependencies = CondaDependencies()
        deps = environment.python.conda_dependencies
        assert deps is not None
        for item in package or []:
            deps.add_pip_package(item)
        if python:
            deps.python_version = python
        for item in env or []:
            if "=" not in item:
                raise InvalidInput(f"--env {item!r}: use NAME=VALUE")
            key, value = item.split("=", 1)
            environment.environment_variables[key] = value
        ws = open_workspace(workspace, path, server)
        registered = environment.register(ws)
        built = None
        if build:
            with console.status(f"building {name} with uv…"):
                built = registered.build(ws)
    if as_json:
        print_json({"environment": registered.to_spec().model_dump(mode="json"),
                    "build": built.model_dump(mode="json") if built else None})
        return
    console.print(f"Environment [bold]{registered.name}[/] version {registered.version}")
    if built:
        console.print(f"Built: {built.python} ({_size(built.size_bytes)})")


@app.command("list")
def list_(
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List environments (latest versions) and the size of the build cache."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        found = ws._backend.list_environments(ws.name)
        builds = ws._backend.list_environment_builds(ws.name)
    if as_json:
        print_json({"environments": [e.model_dump(mode="json") for e in found],
                    "cache_bytes": sum(b.size_bytes for b in builds), "builds": len(builds)})
        return
    print_table(None, ["name", "version", "python", "packages", "registered"],
                [(e.name, e.version, e.spec.python.python_version or "server's",
                  ", ".join(e.spec.python.pip_packages)[:80] or ("user-managed" if e.spec.python.user_managed_dependencies else ""),
                  when(e.created_at)) for e in found],
                empty="no environments yet; kuznia environment create NAME -r requirements.txt")
    console.print(f"[dim]build cache: {len(builds)} build(s), {_size(sum(b.size_bytes for b in builds))}[/]")


@app.command()
def show(
    name: str,
    version: int = typer.Option(None, "--version", "-v", help="Default: the latest."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """Show one environment version."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        found = ws._backend.get_environment(ws.name, name, version)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    spec = found.spec
    print_fields(f"Environment {found.name} v{found.version}", [
        ("python", spec.python.python_version or "the server's"),
        ("user managed", spec.python.user_managed_dependencies),
        ("packages", "\n".join(spec.python.pip_packages)),
        ("index", spec.python.pip_index_url),
        ("variables", ", ".join(f"{k}={v}" for k, v in spec.environment_variables.items())),
        ("registered", when(found.created_at)),
    ])


@app.command()
def build(
    name: str,
    version: int = typer.Option(None, "--version", "-v", help="Default: the latest."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Build an environment into the cache now (nothing happens if it is cached)."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        with console.status(f"building {name} with uv…"):
            built = ws._backend.build_environment(ws.name, name, version)
    console.print(f"Ready: {built.python} ({_size(built.size_bytes)})")


@app.command()
def cache(
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
    as_json: bool = json_option(),
) -> None:
    """List the built environments in the cache, with sizes and last use."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        builds = ws._backend.list_environment_builds(ws.name)
    if as_json:
        print_json([b.model_dump(mode="json") for b in builds])
        return
    print_table(None, ["build", "size", "built", "last used"],
                [(b.key, _size(b.size_bytes), when(b.created_at), when(b.last_used_at)) for b in builds],
                empty="the cache is empty")
    console.print(f"[dim]total {_size(sum(b.size_bytes for b in builds))}[/]")


@app.command()
def prune(
    older_than_hours: float = typer.Option(24.0, "--older-than", help="Keep builds used within this many hours."),
    workspace: str = WorkspaceOption,
    path: str = PathOption,
    server: str = ServerOption,
) -> None:
    """Remove builds that no registered environment uses and no run used lately."""
    with errors_as_messages():
        ws = open_workspace(workspace, path, server)
        result = ws._backend.prune_environment_builds(ws.name, older_than_hours * 3600)
    console.print(f"Removed {len(result.removed)} build(s), freed {_size(result.freed_bytes)}; kept {result.kept}.")
