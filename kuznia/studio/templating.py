"""The Jinja2 environment of Studio, its filters, and rendering a page."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kuznia import __version__
from kuznia.studio import csrf
from kuznia.studio.viewer import current_viewer

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
VENDOR_FILES = ("uPlot.iife.min.js", "uPlot.min.css")
# Our scripts and styles only, from files: no inline script can run, even if a
# value ever escaped the templates' autoescaping.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def format_time(value: datetime | None) -> str:
    """UTC, to the second: the same text on the server and in every browser."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {sec:02d}s"


def format_number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        return f"{value:.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def url_path(value: str) -> str:
    """Quote a value for use inside a URL path (keeps '/' of file paths)."""
    return quote(value, safe="/")


@lru_cache(maxsize=64)
def _fingerprint(name: str, mtime: float) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """``/static/NAME?v=<content hash>``: cached for long, refreshed when the file changes."""
    path = STATIC_DIR / name
    try:
        version = _fingerprint(name, path.stat().st_mtime)
    except OSError:
        version = __version__
    return f"/static/{name}?v={version}"


def has_vendor_files() -> bool:
    """False when uPlot was not installed (`make setup` runs npm ci and copies it)."""
    return all((STATIC_DIR / "vendor" / name).is_file() for name in VENDOR_FILES)


def query(base: dict[str, Any], **changes: Any) -> str:
    """``?a=1&b=2``: ``base`` with ``changes`` applied; None or '' drops a key."""
    merged = {**base, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return "?" + urlencode(pairs) if pairs else ""


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=format_time, duration=format_duration, number=format_number, size=format_size,
        urlpath=url_path,
    )
    env.globals.update(static_url=static_url, query=query, version=__version__)
    return env


ENV = _environment()


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the viewer, the CSRF token and ``context``; sets the CSRF cookie."""
    token, cookie = csrf.issue(request)
    html = ENV.get_template(template).render(
        request=request, viewer=current_viewer(request), csrf_token=token,
        has_charts=has_vendor_files(), **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if cookie is not None:
        csrf.set_cookie(response, cookie)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = CSP
    return response
