"""Files stored with a run (outputs, logs, anything uploaded)."""

from __future__ import annotations

from datetime import datetime

from kuznia.entities.common import Page, Resource


class RunFile(Resource):
    path: str
    size: int
    digest: str
    created_at: datetime


RunFileList = Page[RunFile]
