"""kuznia server | db upgrade"""

from __future__ import annotations

import typer

from kuznia.cli.output import console, err_console, errors_as_messages

db_app = typer.Typer(help="Database schema of a server.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind; keep 127.0.0.1 unless a TLS proxy is in front."),
    port: int = typer.Option(8765, help="Port to listen on."),
    database_url: str = typer.Option(None, "--database-url", envvar="KUZNIA_DATABASE_URL",
                                     help="e.g. postgresql+psycopg://user@host/db (default: SQLite in ~/.kuznia/server)."),
    storage_url: str = typer.Option(None, "--storage-url", envvar="KUZNIA_STORAGE_URL",
                                    help="Folder or fsspec URL for files (default: ~/.kuznia/server/blobs)."),
    path: str = typer.Option(None, "--path", help="Serve an embedded workspace folder instead."),
    workers: int = typer.Option(1, help="Worker processes."),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
    init_admin: bool = typer.Option(
        False, "--init-admin",
        help="Before serving, create the first admin user if the server has no users yet and print its API "
             "token once (e.g. kuznia server --init-admin). Without users a server refuses every request."),
) -> None:
    """Run the REST API server.

    Example: kuznia server --port 8765 --database-url postgresql+psycopg://localhost/kuznia
    """
    import os
    from pathlib import Path

    import uvicorn

    if path is not None:
        folder = Path(path).expanduser().resolve()
        database_url = f"sqlite:///{folder / 'kuznia.db'}"
        storage_url = str(folder / "blobs")
        os.environ["KUZNIA_SECRET_KEY_FILE"] = str(folder / "secret.key")
        if not (folder / "kuznia.db").is_file():
            err_console.print(f"[red]error:[/] no workspace store at {folder}")
            raise typer.Exit(1)
    if database_url:
        os.environ["KUZNIA_DATABASE_URL"] = database_url
    if storage_url:
        os.environ["KUZNIA_STORAGE_URL"] = storage_url
    if not os.environ.get("KUZNIA_PUBLIC_URL"):
        reachable = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ["KUZNIA_PUBLIC_URL"] = f"http://{reachable}:{port}"  # for bootstraps of runs
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            f"[bold yellow]WARNING:[/] listening on {host}, i.e. reachable from other machines, without TLS: "
            "API tokens and secrets would cross the network in clear. Put a TLS proxy in front, or keep the "
            "default --host 127.0.0.1."
        )
    if init_admin:
        _init_admin()
    console.print(f"Kuźnia server on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "kuznia.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )


def _init_admin() -> None:
    """Create the first admin of the server's database (migrated first) and print its token once."""
    import os
    from pathlib import Path

    from kuznia import settings
    from kuznia.services import users
    from kuznia.services.stores import open_server

    database_url = settings.server_database_url()  # what the server's app opens next
    preset = os.environ.get("KUZNIA_ADMIN_TOKEN")
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with errors_as_messages():
        stores = open_server(database_url, settings.server_storage_url(), settings.server_key_file())
        try:
            stores.db.migrate()
            created = users.init_admin(stores, token=preset)
        finally:
            stores.close()
    if created is None:
        console.print("This server has users already; no admin was created (`kuznia token create` makes tokens).")
    elif preset:
        console.print(f"Created the first admin user {created.user!r} with the token from KUZNIA_ADMIN_TOKEN.")
    else:
        console.print(f"Created the first admin user {created.user!r}. Its API token, shown only now — keep it "
                      f"safe:\n    {created.token}\nUse it with `kuznia login` or KUZNIA_TOKEN.", soft_wrap=True)


@db_app.command()
def upgrade(
    database_url: str = typer.Option(None, "--database-url", envvar="KUZNIA_DATABASE_URL",
                                     help="Database to migrate (default: SQLite in ~/.kuznia/server)."),
) -> None:
    """Migrate a server database to the latest schema (safe to run twice)."""
    from kuznia.settings import server_database_url
    from kuznia.store.database import SCHEMA_REVISION, Database

    url = database_url or server_database_url()
    with errors_as_messages():
        if url.startswith("sqlite:///"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        db = Database(url)
        before = db.revision()
        db.migrate()
    console.print(f"Database at revision {SCHEMA_REVISION} (was {before or 'empty'}).")
