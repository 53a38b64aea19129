"""Studio: the web UI of Kuźnia, server-rendered pages over the services.

``kuznia server`` and ``kuznia studio`` mount ``router`` at ``/`` and the files of
``STATIC_DIR`` at ``/static``. See README.md in this folder for the contracts.
"""

from __future__ import annotations

from kuznia.studio.routes import STATIC_DIR, router
from kuznia.studio.static_files import StudioStaticFiles

__all__ = ["STATIC_DIR", "StudioStaticFiles", "router"]
