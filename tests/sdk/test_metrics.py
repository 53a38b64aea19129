"""Metrics through the SDK, on every backend × database."""

from __future__ import annotations

import math

import pytest

from kuznia.errors import Conflict, InvalidInput
from tests import factories


def test_get_metrics_has_the_v1_shapes(ws):
    run = factories.run(ws)
    run.log("lr", 0.01)
    for epoch in range(5):
        run.log("loss", 1 / (epoch + 1))
    run.log_list("fold_scores", [0.8, 0.85, 0.9])
    run.log_row("per_class", cls="setosa", f1=1.0)
    run.log_row("per_class", cls="virginica", f1=0.9)
    run.log_table("confusion", {"pred": [0, 1], "count": [10, 12]})
    metrics = run.get_metrics()
    assert metrics["lr"] == 0.01
    assert metrics["loss"] == [1, 0.5, 1 / 3, 0.25, 0.2]
    assert metrics["fold_scores"] == [0.8, 0.85, 0.9]
    assert metrics["per_class"] == {"cls": ["setosa", "virginica"], "f1": [1.0, 0.9]}
    assert metrics["confusion"] == {"pred": [0, 1], "count": [10, 12]}
    assert run.get_metrics(name="lr") == {"lr": 0.01}
    assert run.refresh()._entity.metrics["loss"] == 0.2  # the latest value shows on the run


def test_steps_default_to_the_next_step_and_can_be_given(ws):
    run = factories.run(ws)
    run.log("acc", 0.1)
    run.log("acc", 0.2, step=10)
    run.log("acc", 0.3)
    history = run.get_metric_history("acc")
    assert history.steps == [0, 10, 11]
    assert history.values == [0.1, 0.2, 0.3]
    assert len(history.timestamps) == 3 and history.total_count == 3


def test_non_finite_values_are_kept(ws):
    run = factories.run(ws)
    run.log("loss", 1.0)
    run.log("loss", math.inf)
    run.log("loss", -math.inf)
    run.log("loss", math.nan)
    values = run.get_metric_history("loss").values
    assert values[:3] == [1.0, math.inf, -math.inf] and math.isnan(values[3])
    summary = ws._backend.get_metric_summaries(ws.name, run.id)[0]
    assert summary.last_value is None  # NaN is never the value filters compare
    assert summary.max_value == math.inf and summary.min_value == -math.inf


def test_numpy_and_bool_values_are_numbers(ws):
    np = pytest.importorskip("numpy")
    run = factories.run(ws)
    run.log("a", np.float32(0.5))
    run.log("a", np.int64(3), step=np.int64(7))
    run.log("b", True)
    assert run.get_metrics() == {"a": [0.5, 3.0], "b": 1.0}


def test_bad_values_are_refused_at_log_time(ws):
    run = factories.run(ws)
    with pytest.raises(InvalidInput, match="text"):
        run.log("acc", "high")
    with pytest.raises(InvalidInput, match="not a number"):
        run.log("acc", [1, 2])
    with pytest.raises(InvalidInput, match="step must be an integer"):
        run.log("acc", 1.0, step=1.5)
    with pytest.raises(InvalidInput, match="metric name"):
        run.log("", 1.0)
    with pytest.raises(InvalidInput, match="metric name"):
        run.log("x" * 256, 1.0)
    with pytest.raises(InvalidInput, match="same length"):
        run.log_table("t", {"a": [1, 2], "b": [1]})
    with pytest.raises(InvalidInput, match="not allowed in tables"):
        run.log_row("r", a=math.nan)
    assert run.get_metrics() == {}


def test_a_metric_name_has_one_kind(ws):
    run = factories.run(ws)
    run.log("m", 1.0)
    run.flush()
    with pytest.raises(Conflict, match="scalar"):
        run.log_table("m", {"a": [1]})
    run.log_row("t", a=1)
    run.log("t", 2.0)
    with pytest.raises(Conflict, match="row"):
        run.flush()
    assert run.get_metrics() == {"m": 1.0, "t": {"a": [1]}}


def test_history_reads_a_step_range_and_downsamples(ws):
    run = factories.run(ws)
    for step in range(10_000):
        run.log("wave", math.sin(step / 100) + (5.0 if step == 4321 else 0.0))
    full = run.get_metric_history("wave")
    assert full.total_count == 10_000 and not full.downsampled
    part = run.get_metric_history("wave", start_step=100, end_step=199)
    assert part.steps == list(range(100, 200))
    small = run.get_metric_history("wave", max_points=100)
    assert small.downsampled and len(small.steps) <= 100 and small.total_count == 10_000
    assert small.steps == sorted(small.steps)
    assert 4321 in small.steps  # the spike survives: each bucket keeps its max
    assert max(small.values) == max(full.values) and min(small.values) == min(full.values)
    with pytest.raises(InvalidInput):
        run.get_metric_history("wave", max_points=1)


def test_log_image_from_a_figure_and_a_file(ws, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = factories.run(ws)
    figure, axes = plt.subplots()
    axes.plot([1, 2, 3])
    run.log_image("curve", plot=figure)
    png = tmp_path / "pic.png"
    figure.savefig(png)
    run.log_image("pic", path=png)
    plt.close(figure)
    metrics = run.get_metrics()
    assert metrics["curve"].startswith("images/curve_") and metrics["curve"].endswith(".png")
    assert metrics["pic"] in run.get_file_names()
    out = run.download_file(metrics["curve"], tmp_path / "back.png")
    assert out.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(InvalidInput, match="exactly one"):
        run.log_image("x")


def test_recursive_metrics_cover_children(ws):
    parent = factories.run(ws)
    child = parent.child_run()
    parent.log("a", 1)
    child.log("b", 2)
    child.flush()
    assert parent.get_metrics(recursive=True) == {parent.id: {"a": 1.0}, child.id: {"b": 2.0}}


def test_many_points_are_all_durable_after_flush(ws):
    run = factories.run(ws)
    n = 120_000
    for i in range(n):
        run.log("x", float(i))
    run.flush()
    history = run.get_metric_history("x")
    assert history.total_count == n
    assert history.values[-1] == n - 1 and history.steps[-1] == n - 1
