"""Entry point of the ``kuznia`` command."""

from __future__ import annotations

import typer

from kuznia.cli import (
    access,
    compute,
    endpoint,
    environment,
    experiment,
    model,
    run,
    secret,
    server,
    studio,
    workspace,
)

app = typer.Typer(
    name="kuznia",
    help="Kuźnia — a self-hosted machine-learning workspace.\n\n"
    "Start with `kuznia workspace create NAME`, then log runs from Python "
    "(`from kuznia import Workspace, Experiment`) and look at them with `kuznia run list`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(workspace.app, name="workspace")
app.add_typer(experiment.app, name="experiment")
app.add_typer(run.app, name="run")
app.add_typer(compute.app, name="compute")
app.add_typer(environment.app, name="environment")
app.add_typer(secret.app, name="secret")
app.add_typer(model.app, name="model")
app.add_typer(endpoint.app, name="endpoint")
app.command("login")(access.login)
app.command("whoami")(access.whoami)
app.add_typer(access.user_app, name="user")
app.add_typer(access.token_app, name="token")
app.add_typer(access.audit_app, name="audit")
app.command("server")(server.serve)
app.add_typer(server.db_app, name="db")
app.command("studio")(studio.studio)


@app.command()
def version() -> None:
    """Print the Kuźnia version."""
    from kuznia import __version__

    typer.echo(__version__)


def main() -> None:
    app()
