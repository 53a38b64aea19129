"""kuznia studio: open Studio over an embedded workspace store, on this machine only."""

from __future__ import annotations

import typer

from kuznia.cli.output import console, fail


def studio(
    path: str = typer.Option(None, "--path", help="Folder of the embedded workspace store "
                             "(default: KUZNIA_PATH, .kuznia/config.json, or ~/.kuznia/local)."),
    port: int = typer.Option(8766, help="Port on 127.0.0.1."),
    open_browser: bool = typer.Option(False, "--open", help="Also open the page in the default browser."),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
) -> None:
    """Serve Studio, the web UI, for an embedded workspace on http://127.0.0.1:PORT.

    Example: kuznia studio --path ./kuznia-ws
    """
    import os
    from pathlib import Path

    import uvicorn

    from kuznia.settings import default_store_path

    folder = Path(path or os.environ.get("KUZNIA_PATH") or _configured_path() or default_store_path())
    folder = folder.expanduser().resolve()
    if not (folder / "kuznia.db").is_file():
        fail(f"no workspace store at {folder}",
             hint="create one with `kuznia workspace create NAME --path PATH`, or pass --path")
    # The same app as `kuznia server --path`, bound to loopback only: an embedded
    # workspace is single-user and has no login.
    os.environ["KUZNIA_DATABASE_URL"] = f"sqlite:///{folder / 'kuznia.db'}"
    os.environ["KUZNIA_STORAGE_URL"] = str(folder / "blobs")
    os.environ["KUZNIA_SECRET_KEY_FILE"] = str(folder / "secret.key")
    os.environ["KUZNIA_AUTH"] = "embedded"  # single user on loopback: no login
    url = f"http://127.0.0.1:{port}/"
    console.print(f"Kuźnia Studio for {folder} on {url}  (Ctrl+C stops it)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    uvicorn.run("kuznia.server.app:app_from_env", factory=True, host="127.0.0.1", port=port, log_level=log_level)


def _configured_path() -> str | None:
    """The store folder named by .kuznia/config.json, when it names an embedded workspace."""
    from kuznia.errors import KuzniaError
    from kuznia.sdk import config

    try:
        data = config.read_config(config.find_config())
    except KuzniaError:
        return None
    value = data.get("path")
    return str(value) if value else None
