"""The scoring gateway's key check: the one authenticated route the auth middleware lets through."""

from __future__ import annotations

import pytest

from kuznia.serving.gateway import Gateway, Route

ROUTE = Route(exists=True, keys=("primary-key-0123456789", "secondary-key-0123456789"))


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Basic primary-key-0123456789", "Bearer primary-key-012345678",
    "Bearer \u00e9\u00e9\u00e9", "Bearer \udcff", "Bearer primary-key-0123456789\x00", "bearer  " + "x" * 10_000,
])
def test_wrong_or_odd_keys_are_refused_without_errors(authorization):
    assert Gateway.authorized(ROUTE, authorization) is False


def test_either_key_opens_the_endpoint():
    assert Gateway.authorized(ROUTE, "Bearer primary-key-0123456789")
    assert Gateway.authorized(ROUTE, "bearer secondary-key-0123456789")
    assert not Gateway.authorized(Route(exists=True, keys=("", "")), "Bearer ")


def test_the_scoring_fast_path_keeps_the_body_limit_and_the_checks(app, team):
    from tests.security.conftest import MAX_BODY, client_of

    url = f"/api/v1/workspaces/{team.workspace}/endpoints/no-such-endpoint/score"
    with client_of(app) as anonymous:
        assert anonymous.post(url, content=b"x" * (MAX_BODY + 1)).status_code == 413
        missing = anonymous.post(url, content=b"{}")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "NotFound"
        assert anonymous.post(url + "/more", content=b"{}").status_code == 401  # not the score route
    with team.client(app, "reader") as reader:
        assert reader.post(url, content=b"{}").status_code == 404
