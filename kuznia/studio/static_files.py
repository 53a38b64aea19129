"""Studio's static files: our CSS/JS and the vendored uPlot build.

Pages link them as ``/static/NAME?v=<content hash>``; such a URL never changes
content, so browsers may keep it for a year. Unversioned URLs revalidate.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


class StudioStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            versioned = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = (
                "public, max-age=31536000, immutable" if versioned else "no-cache"
            )
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response
