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
