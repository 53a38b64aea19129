"""Compute targets as workspace resources, on every backend × database."""

from __future__ import annotations

import pytest

from kuznia import ComputeTarget, LocalCompute
from kuznia.errors import Conflict, InvalidInput, NotFound


def test_local_exists_and_targets_can_be_added(ws):
    assert [t.name for t in ComputeTarget.list(ws)] == ["local"]
    local = ComputeTarget(ws, "local")
    assert local.type == "local" and local.max_concurrent_runs >= 1
    added = ComputeTarget.create(ws, "cpu2", LocalCompute.provisioning_configuration(max_concurrent_runs=2))
    assert added.max_concurrent_runs == 2
    with pytest.raises(Conflict, match="already exists"):
        ComputeTarget.create(ws, "cpu2")
    added.update(max_concurrent_runs=5, cancel_grace_seconds=1)
    assert ComputeTarget(ws, "cpu2").settings.max_concurrent_runs == 5
    assert sorted(ws.compute_targets) == ["cpu2", "local"]
    assert ComputeTarget(ws, "cpu2").get_status() == {"active_runs": 0, "queued_runs": 0}


def test_bad_settings_and_names(ws):
    with pytest.raises(InvalidInput, match="max_concurrent_runs"):
        LocalCompute.provisioning_configuration(max_concurrent_runs=0)
    with pytest.raises(InvalidInput, match="unknown|extra|not permitted"):
        LocalCompute.provisioning_configuration(gpus=4)
    with pytest.raises(NotFound, match="this workspace has: local"):
        ComputeTarget(ws, "gpu")
    with pytest.raises(InvalidInput):
        ComputeTarget(ws, "../x")
