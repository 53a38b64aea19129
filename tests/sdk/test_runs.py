"""Runs through the SDK, on every backend × database."""

from __future__ import annotations

import pytest

from kuznia import Experiment, Run, RunStatus
from kuznia.errors import Conflict, InvalidInput, InvalidState, NotFound
from tests import factories


def test_start_logging_creates_a_running_run_with_a_number(ws):
    exp = factories.experiment(ws)
    first = exp.start_logging(display_name="first", description="d", tags={"team": "a"})
    second = exp.start_logging()
    assert first.get_status() == "Running"
    assert (first.number, second.number) == (1, 2)
    assert first.display_name == "first" and first.description == "d"
    assert second.display_name  # a generated friendly name
    assert first.get_tags() == {"team": "a"}
    assert first.experiment.name == exp.name


def test_with_block_completes_or_fails(ws):
    exp = factories.experiment(ws)
    with exp.start_logging() as ok:
        ok.log("x", 1)
    assert ok.get_status() == "Completed"
    details = ok.get_details()
    assert details["end_time"] and details["duration_seconds"] >= 0
    with pytest.raises(ZeroDivisionError), exp.start_logging() as bad:
        1 / 0  # noqa: B018
    assert bad.get_status() == "Failed"
    error = bad.refresh()._entity.error
    assert "ZeroDivisionError" in error.message and "Traceback" in error.traceback


def test_fail_and_cancel(ws):
    run = factories.run(ws)
    run.fail(error_details="data missing", error_code="UserError")
    entity = run.refresh()._entity
    assert entity.status == RunStatus.FAILED
    assert entity.error.message == "data missing" and entity.error.code == "UserError"
    other = factories.run(ws)
    other.cancel()
    assert other.get_status() == "Canceled"
    with pytest.raises(InvalidState, match="nothing to cancel"):
        other.cancel()


def test_a_finished_run_cannot_go_back(ws):
    from kuznia.entities.runs import RunUpdate

    run = factories.run(ws)
    run.complete()
    run.complete()  # same status again is fine
    with pytest.raises(InvalidState, match="Completed and cannot become Running"):
        ws._backend.update_run(ws.name, run.id, RunUpdate(status=RunStatus.RUNNING))
    with pytest.raises(InvalidState):
        run.fail("too late")
    assert run.get_status() == "Completed"


def test_every_transition_rule_is_enforced(ws):
    from kuznia.entities.runs import ALLOWED_TRANSITIONS, RunCreate, RunUpdate

    exp = factories.experiment(ws)
    for start in (RunStatus.QUEUED, RunStatus.RUNNING):
        for target in RunStatus:
            entity = ws._backend.create_run(ws.name, RunCreate(experiment_name=exp.name, status=start, run_type="script"))
            allowed = target == start or target in ALLOWED_TRANSITIONS[start]
            if allowed:
                assert ws._backend.update_run(ws.name, entity.id, RunUpdate(status=target)).status == target
            else:
                with pytest.raises(InvalidState):
                    ws._backend.update_run(ws.name, entity.id, RunUpdate(status=target))


def test_start_time_is_set_when_running_and_end_time_when_done(ws):
    from kuznia.entities.runs import RunCreate, RunUpdate

    exp = factories.experiment(ws)
    entity = ws._backend.create_run(ws.name, RunCreate(experiment_name=exp.name, status="Queued", run_type="script"))
    assert entity.start_time is None and entity.duration_seconds is None
    running = ws._backend.update_run(ws.name, entity.id, RunUpdate(status="Running"))
    assert running.start_time is not None and running.end_time is None
    done = ws._backend.update_run(ws.name, entity.id, RunUpdate(status="Completed"))
    assert done.end_time >= done.start_time and done.duration_seconds >= 0


def test_tags_can_change_but_properties_are_write_once(ws):
    run = factories.run(ws)
    run.tag("stage", "dev")
    run.set_tags({"stage": "prod", "owner": "ala", "epochs": 10})
    run.remove_tags(["owner"])
    assert run.get_tags() == {"stage": "prod", "epochs": "10"}
    run.tag("flag")
    assert run.get_tags()["flag"] == ""
    run.add_properties({"dataset": "iris:1"})
    run.add_properties({"dataset": "iris:1"})  # the same value again is fine
    with pytest.raises(Conflict, match="write-once"):
        run.add_properties({"dataset": "iris:2", "other": "x"})
    assert run.get_properties() == {"dataset": "iris:1"}  # nothing of the failed call landed


def test_bad_names_are_refused_and_change_nothing(ws):
    exp = factories.experiment(ws)
    with pytest.raises(InvalidInput, match="experiment name"):
        Experiment(ws, "bad name!")
    with pytest.raises(InvalidInput, match="tag name"):
        factories.run(ws, exp.name).tag("", "x")
    run = exp.start_logging()
    with pytest.raises(InvalidInput):
        run.set_tags({"ok": "1", "bad\x00key": "2"})
    assert run.get_tags() == {}
    with pytest.raises(InvalidInput):
        run.add_properties({"x" * 300: "1"})


def test_child_runs(ws):
    parent = factories.run(ws)
    child = parent.child_run("step-1")
    grandchild = child.child_run()
    kids = parent.create_children(count=2)
    tagged = parent.create_children(tag_key="lr", tag_values=["0.1", "0.01"])
    assert child.parent.id == parent.id and child.display_name == "step-1"
    assert [c.id for c in parent.get_children()] == [child.id] + [k.id for k in kids + tagged]
    assert {c.id for c in parent.get_children(recursive=True)} == {child.id, grandchild.id} | {
        k.id for k in kids + tagged
    }
    assert [c.get_tags()["lr"] for c in parent.get_children(tags="lr")] == ["0.1", "0.01"]
    assert parent.parent is None
    with pytest.raises(InvalidInput):
        parent.create_children(count=0)


def test_get_run_by_id_and_unknown_ids(ws):
    run = factories.run(ws)
    again = Run(run.experiment, run.id)
    assert again.id == run.id and again.number == run.number
    assert Run.get(ws, run.id).display_name == run.display_name
    with pytest.raises(NotFound, match="not found"):
        Run.get(ws, "no_such_run")
    with pytest.raises(InvalidInput, match="run id"):
        Run.get(ws, "../etc/passwd")


def test_display_name_and_description_can_change(ws):
    run = factories.run(ws)
    run.display_name = "renamed"
    run.description = "more words"
    fresh = Run.get(ws, run.id)
    assert (fresh.display_name, fresh.description) == ("renamed", "more words")


def test_listing_filters_orders_and_pages(ws):
    exp = factories.experiment(ws)
    for i in range(7):
        run = exp.start_logging(tags={"team": "a" if i % 2 else "b", "i": str(i)})
        run.log("accuracy", i / 10)
        if i == 6:
            run.fail("x")
        else:
            run.complete()
    runs = list(exp.get_runs())
    assert [r.number for r in runs] == [7, 6, 5, 4, 3, 2, 1]  # newest first
    good = list(exp.get_runs(filter="metrics.accuracy >= 0.3 and tags.team = 'a'"))
    assert sorted(r.get_tags()["i"] for r in good) == ["3", "5"]
    ordered = list(exp.get_runs(order_by="metrics.accuracy desc", max_results=3))
    assert [r.number for r in ordered] == [7, 6, 5]
    assert [r.number for r in exp.get_runs(status="Failed")] == [7]
    assert len(list(exp.get_runs(tags={"team": "b"}))) == 4
    assert len(list(exp.get_runs(tags="team"))) == 7
    assert {r.number for r in exp.get_runs(filter="status in ('Failed') or number <= 2")} == {1, 2, 7}
    assert len(list(exp.get_runs(filter="not tags.team = 'a'"))) == 4
    assert len(list(exp.get_runs(filter="tags.i like '%'"))) == 7


def test_paging_returns_every_run_once(ws):
    from kuznia.entities.runs import RunQuery

    exp = factories.experiment(ws)
    ids = {exp.start_logging().id for _ in range(12)}
    seen: list[str] = []
    token = None
    while True:
        page = ws._backend.list_runs(ws.name, RunQuery(experiment_name=exp.name, max_results=5, page_token=token))
        seen.extend(r.id for r in page.items)
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(ids)


def test_children_are_hidden_from_lists_unless_asked(ws):
    exp = factories.experiment(ws)
    parent = exp.start_logging()
    parent.child_run()
    assert [r.id for r in exp.get_runs()] == [parent.id]
    assert len(list(exp.get_runs(include_children=True))) == 2


def test_filter_errors_name_the_problem(ws):
    exp = factories.experiment(ws)
    exp.start_logging()
    for bad, message in [
        ("metrics.acc >", "expected a quoted string or a number"),
        ("colour = 'red'", "unknown field 'colour'"),
        ("status = 'Done'", "not a run status"),
        ("tags.x > 3", "holds text"),
        ("1 = 1; DROP TABLE runs", "position"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            list(exp.get_runs(filter=bad))
    assert len(list(exp.get_runs())) == 1


def test_sql_injection_in_filters_is_only_data(ws):
    exp = factories.experiment(ws)
    exp.start_logging(tags={"name": "x' OR '1'='1"})
    exp.start_logging(tags={"name": "other"})
    hits = list(exp.get_runs(filter="tags.name = 'x\\' OR \\'1\\'=\\'1'"))
    assert len(hits) == 1
    assert list(exp.get_runs(filter="tags.`name' OR 1=1 --` = 'x'")) == []
    assert len(list(exp.get_runs())) == 2


def test_experiments_archive_and_restore(ws):
    from kuznia import ViewType

    a = factories.experiment(ws, "alpha")
    factories.experiment(ws, "beta")
    a.archive()
    assert [e.name for e in Experiment.list(ws)] == ["beta"]
    assert [e.name for e in Experiment.list(ws, view_type=ViewType.ARCHIVED_ONLY)] == ["alpha"]
    assert [e.name for e in Experiment.list(ws, view_type="All")] == ["alpha", "beta"]
    a.reactivate()
    assert sorted(ws.experiments) == ["alpha", "beta"]
    a.start_logging()
    assert a.refresh()._entity.run_count == 1 and a._entity.last_activity is not None


def test_wait_for_completion_of_an_ended_run(ws):
    from kuznia.errors import RunFailed

    run = factories.run(ws)
    run.complete()
    assert run.wait_for_completion()["status"] == "Completed"
    failed = factories.run(ws)
    failed.fail("boom")
    with pytest.raises(RunFailed, match="boom"):
        failed.wait_for_completion()
    assert failed.wait_for_completion(raise_on_error=False)["status"] == "Failed"
