"""Who is looking at Studio.

Today there are no users (issue 6 adds users, roles and API tokens), so every
request is the local, single user of the workspace, who may do everything. The
pages already ask ``viewer.can_contribute`` before showing an action such as
Cancel, so the principal slots in here without touching the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request


@dataclass(frozen=True)
class Viewer:
    name: str
    is_authenticated: bool
    can_contribute: bool  # contributor or owner: may cancel runs, edit tags, …

    @property
    def session_id(self) -> str:
        """What CSRF tokens are bound to; a real session id once logins exist."""
        return self.name


LOCAL_USER = Viewer(name="local", is_authenticated=False, can_contribute=True)


def current_viewer(request: Request) -> Viewer:
    # Issue 6: read the session cookie set at login (a user API token exchanged
    # for a session), look up the user's role in the workspace, and refuse
    # anonymous requests with a redirect to the login page.
    return LOCAL_USER


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
