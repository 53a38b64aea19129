"""Printing: rich tables by default, JSON with --json, one way to fail."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def fail(message: str, hint: str | None = None, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    if hint:
        err_console.print(f"[dim]{hint}[/]", highlight=False)
    raise typer.Exit(code)


@contextmanager
def errors_as_messages() -> Iterator[None]:
    """Turn Kuźnia errors into one readable line and a non-zero exit code."""
    from kuznia.errors import KuzniaError

    try:
        yield
    except KuzniaError as exc:
        fail(exc.message, code=2 if exc.code == "InvalidInput" else 1)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_default) + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


def when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ""


def seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 60:
        return f"{value:.1f}s"
    minutes, sec = divmod(int(value), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{sec:02d}s"


def number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.6g}"


STATUS_STYLE = {
    "Completed": "green",
    "Failed": "red",
    "Canceled": "yellow",
    "Running": "cyan",
    "NotResponding": "magenta",
}


def status(value: str) -> str:
    style = STATUS_STYLE.get(value)
    return f"[{style}]{value}[/]" if style else value


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                empty: str = "nothing to show") -> None:
    if not rows:
        console.print(f"[dim]{empty}[/]")
        return
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def print_fields(title: str, fields: Sequence[tuple[str, Any]]) -> None:
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in fields:
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


def json_option() -> Any:
    return typer.Option(False, "--json", help="Print JSON instead of a table (for scripts).")


def run_quietly(func: Callable[[], Any]) -> Any:
    with errors_as_messages():
        return func()
