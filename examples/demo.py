"""The Kuźnia demo: an iris classifier trained and tracked in an embedded workspace.

Run it with `make demo`. It creates ./demo-workspace, trains a scikit-learn model
on the iris data that ships with scikit-learn (no download), and tracks
everything: parameters, per-epoch metrics, a table, an image, child runs for a
small sweep, and the model file.
"""

from __future__ import annotations

import pickle
import sys
import tempfile
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from kuznia import Experiment, InferenceConfig, Model, Workspace  # noqa: E402
from kuznia.sdk.script_run_config import ScriptRunConfig  # noqa: E402

console = Console()
EPOCHS = 30
ALPHAS = [1e-4, 1e-3, 1e-2]


def train(run, alpha: float, data) -> tuple[SGDClassifier, float]:  # noqa: ANN001
    """Train with one alpha, logging loss and accuracy per epoch to ``run``."""
    x_train, x_test, y_train, y_test = data
    model = SGDClassifier(loss="log_loss", alpha=alpha, random_state=0)
    classes = np.unique(y_train)
    run.log("alpha", alpha)
    accuracy = 0.0
    for epoch in range(EPOCHS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(x_train, y_train, classes=classes)
        run.log("train_loss", log_loss(y_train, model.predict_proba(x_train), labels=classes), step=epoch)
        accuracy = float((model.predict(x_test) == y_test).mean())
        run.log("accuracy", accuracy, step=epoch)
    return model, accuracy


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("demo-workspace")
    ws = Workspace.create("demo", path=root, exist_ok=True)
    console.print(f"[bold]Workspace[/] {ws.name} at {ws.location['path']}")

    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=0.3, random_state=42, stratify=iris.target
    )
    scaler = StandardScaler().fit(x_train)
    data = (scaler.transform(x_train), scaler.transform(x_test), y_train, y_test)

    experiment = Experiment(ws, "iris")
    with experiment.start_logging(display_name="iris-sweep", tags={"model": "sgd", "data": "iris"}) as parent:
        parent.add_properties({"dataset": "sklearn.datasets.load_iris", "test_size": "0.3"})
        best = None
        for child in parent.create_children(tag_key="alpha", tag_values=[str(a) for a in ALPHAS]):
            alpha = float(child.get_tags()["alpha"])
            with child:
                model, accuracy = train(child, alpha, data)
            console.print(f"  child {child.display_name}: alpha={alpha:g} accuracy={accuracy:.3f}")
            if best is None or accuracy > best[2]:
                best = (alpha, model, accuracy)
        assert best is not None
        alpha, model, accuracy = best
        parent.log("best_alpha", alpha)
        parent.log("accuracy", accuracy)

        predictions = model.predict(data[1])
        precision, recall, f1, _ = precision_recall_fscore_support(y_test, predictions, zero_division=0)
        parent.log_table("per_class", {
            "class": list(iris.target_names),
            "precision": [round(float(v), 4) for v in precision],
            "recall": [round(float(v), 4) for v in recall],
            "f1": [round(float(v), 4) for v in f1],
        })
        figure, axes = plt.subplots(figsize=(4, 4))
        axes.imshow(confusion_matrix(y_test, predictions), cmap="Blues")
        axes.set_xlabel("predicted")
        axes.set_ylabel("true")
        axes.set_title("iris confusion matrix")
        parent.log_image("confusion_matrix", plot=figure)
        plt.close(figure)

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.pkl"
            path.write_bytes(pickle.dumps({"scaler": scaler, "model": model}))
            parent.upload_file("outputs/model.pkl", path)

    ws.write_config()  # so `kuznia run list` in this folder finds the demo workspace
    console.print(f"\n[bold]Run[/] {parent.id} {parent.get_status()}; files: {', '.join(parent.get_file_names())}")
    summary = Table(title="Runs of experiment 'iris' (newest first)", title_justify="left")
    for column in ("run", "name", "status", "alpha", "accuracy", "children"):
        summary.add_column(column)
    for run in experiment.get_runs(include_children=True, max_results=20):
        metrics = run._entity.metrics
        summary.add_row(
            run.id, run.display_name, run.status,
            f"{metrics.get('alpha', metrics.get('best_alpha', float('nan'))):g}",
            f"{metrics.get('accuracy', float('nan')):.3f}",
            str(len(run.get_children())) if run._entity.parent_run_id is None else "",
        )
    console.print(summary)
    metrics = parent.get_metrics()
    console.print(f"per-class table: {metrics['per_class']}")

    trained = submitted_run(ws)
    deployed_model(ws, trained)
    console.print("Look closer (this folder's .kuznia/config.json points at the demo workspace):\n"
                  f"  [bold].venv/bin/kuznia run list --children[/]\n  [bold].venv/bin/kuznia run show {parent.id}[/]")


def submitted_run(ws: Workspace):  # noqa: ANN201
    """The training workflow: hand a script and its folder to the workspace and let it run."""
    console.rule("[bold]A script run on local compute")
    source = Path(__file__).parent / "iris"
    config = ScriptRunConfig(source_directory=source, script="train.py", arguments=["--C", 0.5],
                             compute_target="local")
    run = Experiment(ws, "iris-script").submit(config, tags={"how": "submitted"})
    console.print(f"Submitted {run.id} ({run.status}); its output, streamed as it runs:")
    run.wait_for_completion(show_output=True)
    run.refresh()
    console.print(f"\n[bold]{run.id}[/] {run.status} in {run.get_details()['duration_seconds']:.1f} s; "
                  f"phases: " + ", ".join(f"{k} {v:.2f}s" for k, v in run._entity.timings.items()))
    console.print(f"metrics: {run.get_metrics()['accuracy']}")
    console.print(f"files: {', '.join(run.get_file_names())}")
    return run


def deployed_model(ws: Workspace, run) -> None:  # noqa: ANN001
    """The second half of the workflow: register the trained model, serve it, score, clean up."""
    console.rule("[bold]The model, registered and served")
    model = run.register_model("iris-classifier", model_path="outputs/model.pkl", tags={"data": "iris"},
                               model_framework="ScikitLearn")
    console.print(f"Registered {model.id} from run {model.run_id}")
    scoring = InferenceConfig(entry_script="score.py", source_directory=Path(__file__).parent / "iris_scoring")
    service = Model.deploy(ws, "iris-demo", [model], scoring, overwrite=True)
    service.wait_for_deployment(show_output=True)
    flowers = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
    console.print(f"POST {service.scoring_uri}\n  {flowers} -> [bold]{service.run({'data': flowers})}[/]")
    for _ in range(20):
        service.run({"data": flowers})
    import time

    time.sleep(1.0)  # telemetry is written every half second
    telemetry = service.get_telemetry()
    console.print(f"telemetry: {telemetry.requests} requests, status codes {telemetry.status_codes}, "
                  f"latency p50 {telemetry.latency_ms_p50} ms, p99 {telemetry.latency_ms_p99} ms")
    service.delete()
    console.print("Endpoint deleted.")


if __name__ == "__main__":
    main()
