"""The chunked metric store and its downsampling, below the services."""

from __future__ import annotations

import numpy as np
import pytest

from kuznia.store.metrics import downsample_indices


@pytest.mark.parametrize("n,max_points", [(10, 4), (1000, 100), (1001, 100), (99_999, 1000), (5, 2)])
def test_downsampling_keeps_extremes_and_order(n, max_points):
    rng = np.random.default_rng(n)
    values = rng.normal(size=n)
    keep = downsample_indices(values, max_points)
    assert len(keep) <= max_points
    assert list(keep) == sorted(set(keep.tolist()))
    assert values.argmax() in keep and values.argmin() in keep


def test_downsampling_tolerates_nan():
    values = np.array([1.0, np.nan, 3.0, np.nan, -2.0, 5.0])
    keep = downsample_indices(values, 4)
    assert 5 in keep and 4 in keep


def test_out_of_order_steps_are_read_back_in_step_order(ws):
    from kuznia.entities.metrics import MetricBatch, MetricSeries
    from tests import factories

    run = factories.run(ws)
    ws._backend.log_metrics(ws.name, run.id, MetricBatch(series=[
        MetricSeries(name="m", values=[3.0, 1.0], steps=[30, 10]),
    ]))
    ws._backend.log_metrics(ws.name, run.id, MetricBatch(series=[
        MetricSeries(name="m", values=[2.0], steps=[20]),
    ]))
    history = run.get_metric_history("m")
    assert history.steps == [10, 20, 30] and history.values == [1.0, 2.0, 3.0]
    summary = ws._backend.get_metric_summaries(ws.name, run.id)[0]
    assert (summary.last_step, summary.last_value, summary.count) == (30, 3.0, 3)
