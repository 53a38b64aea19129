"""Receiving a request body without holding it in memory."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO

from fastapi import Request

SPOOL_IN_MEMORY = 8 * 1024 * 1024


@asynccontextmanager
async def spooled_body(request: Request) -> AsyncIterator[IO[bytes]]:
    """The body, spooled to disk past a few MB, rewound and ready to read."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        yield spool  # type: ignore[misc]
