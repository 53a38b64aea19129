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


def test_long_in_order_series_are_thinned_from_block_aggregates(ws):
    from kuznia.entities.metrics import MetricBatch, MetricSeries
    from tests import factories

    run = factories.run(ws)
    n = 300_000
    rng = np.random.default_rng(7)
    values = rng.normal(size=n)
    values[123_456] = 50.0  # a spike
    values[200_000] = -50.0  # and a dip
    values[10_000:10_600] = np.nan  # a gap
    for start in range(0, n, 100_000):
        part = values[start : start + 100_000]
        ws._backend.log_metrics(ws.name, run.id, MetricBatch(series=[
            MetricSeries(name="long", values=part.tolist(), steps=list(range(start, start + len(part))))]))
    history = run.get_metric_history("long", max_points=200)
    assert history.downsampled and history.total_count == n
    assert len(history.steps) <= 200 and history.steps == sorted(history.steps)
    assert 123_456 in history.steps and 200_000 in history.steps
    assert max(history.values) == 50.0 and min(history.values) == -50.0
    assert not any(np.isnan(history.values))
    exact = run.get_metric_history("long", start_step=123_456, end_step=123_456)
    assert exact.values == [50.0]  # a step range reads the points themselves


def test_out_of_order_series_fall_back_to_reading_points(ws):
    from kuznia.entities.metrics import MetricBatch, MetricSeries
    from tests import factories

    run = factories.run(ws)
    for start in (100_000, 0, 200_000):  # chunks arrive out of step order
        ws._backend.log_metrics(ws.name, run.id, MetricBatch(series=[
            MetricSeries(name="shuffled", values=[float(s) for s in range(start, start + 100_000)],
                         steps=list(range(start, start + 100_000)))]))
    history = run.get_metric_history("shuffled", max_points=100)
    assert history.steps == sorted(history.steps) and len(history.steps) <= 100
    assert history.steps[0] == 0 and history.steps[-1] == 299_999
