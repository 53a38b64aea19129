"""Names in use in a workspace: tag keys (what Studio's search looks through).

The distinct keys come from a loose index scan (a recursive query that jumps
from one key to the next in the (key, run_id) index), so the cost grows with the
number of different keys, not with the number of tagged runs.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_TAG_KEYS = text(
    """
    WITH RECURSIVE k(key) AS (
        SELECT MIN(key) FROM run_tags
        UNION ALL
        SELECT (SELECT MIN(t.key) FROM run_tags t WHERE t.key > k.key) FROM k WHERE k.key IS NOT NULL
    )
    SELECT k.key FROM k
    WHERE k.key IS NOT NULL AND EXISTS (
        SELECT 1 FROM run_tags t JOIN runs r ON r.id = t.run_id
        WHERE t.key = k.key AND r.workspace_id = :workspace_id
    )
    LIMIT :limit
    """
)


def list_tag_keys(conn: Connection, workspace_id: str, limit: int) -> list[str]:
    """Distinct tag keys used by runs of the workspace, sorted, at most ``limit``."""
    return list(conn.execute(_TAG_KEYS, {"workspace_id": workspace_id, "limit": limit}).scalars())
