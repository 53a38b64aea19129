"""Eight processes logging into one embedded workspace at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from kuznia import Experiment, Workspace

WRITER = textwrap.dedent("""
    import sys
    from kuznia import Experiment, Workspace

    path, worker, points = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ws = Workspace.get("shared", path=path)
    experiment = Experiment(ws, "parallel")
    with experiment.start_logging(display_name=f"writer-{worker}", tags={"worker": str(worker)}) as run:
        for i in range(points):
            run.log("value", float(i))
            if i % 2000 == 0:
                run.flush()          # many small transactions, to collide often
        run.log_row("done", worker=worker)
        child = run.child_run()
        child.log("x", worker)
        child.complete()
        run.upload_file(f"outputs/{worker}.txt", __file__)
""")


def test_eight_processes_lose_nothing_and_never_see_a_lock_error(tmp_path):
    store = tmp_path / "store"
    Workspace.create("shared", path=store)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    points = 20_000
    processes = [
        subprocess.Popen([sys.executable, str(script), str(store), str(w), str(points)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for w in range(8)
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "locked" not in err and "failed" not in err, err
    ws = Workspace.get("shared", path=store)
    runs = list(Experiment(ws, "parallel").get_runs())
    assert len(runs) == 8
    everyone = list(Experiment(ws, "parallel").get_runs(include_children=True))
    assert sorted(r.number for r in everyone) == list(range(1, 17))  # no number given twice
    for run in runs:
        assert run.status == "Completed"
        history = run.get_metric_history("value")
        assert history.total_count == points
        assert history.steps == list(range(points))
        assert len(run.get_children()) == 1
        assert run.get_file_names() == [f"outputs/{run.get_tags()['worker']}.txt"]
