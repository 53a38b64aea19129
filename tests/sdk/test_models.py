"""The model registry on every backend × database."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from kuznia import Model
from kuznia.errors import Conflict, InvalidInput, NotFound
from tests import factories


def test_register_a_file_and_a_folder(ws, tmp_path):
    (tmp_path / "model.pkl").write_bytes(b"weights-1")
    first = Model.register(ws, tmp_path / "model.pkl", "iris", tags={"stage": "dev"}, properties={"acc": 0.9},
                           description="first", model_framework="ScikitLearn", model_framework_version="1.9")
    assert (first.name, first.version, first.id) == ("iris", 1, "iris:1")
    assert first.tags == {"stage": "dev"} and first.properties == {"acc": "0.9"}
    assert first.model_framework == "ScikitLearn" and first.description == "first"
    folder = tmp_path / "bundle"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.json").write_text("{}")
    (folder / "sub" / "b.bin").write_bytes(b"b")
    second = Model.register(ws, folder, "iris")
    assert second.version == 2 and second._entity.root == "bundle" and second._entity.file_count == 2
    assert Model(ws, "iris").version == 2
    assert Model(ws, id="iris:1").description == "first"
    out = second.download(tmp_path / "dl")
    assert sorted(p.relative_to(out).as_posix() for p in Path(out).rglob("*") if p.is_file()) \
        == ["a.json", "sub/b.bin"]
    assert Model(ws, "iris", version=1).download(tmp_path / "dl1").endswith("model.pkl")
    with pytest.raises(Conflict, match="exist_ok"):
        second.download(tmp_path / "dl")
    second.download(tmp_path / "dl", exist_ok=True)


def test_register_from_a_run_keeps_lineage(ws, tmp_path):
    run = factories.run(ws)
    run.upload_file("outputs/model.pkl", io.BytesIO(b"from-run"))
    run.upload_file("outputs/extra/vocab.txt", io.BytesIO(b"words"))
    model = run.register_model("clf", model_path="outputs/model.pkl", tags={"from": "run"})
    assert model.run_id == run.id and model.experiment_name == run._entity.experiment_name
    assert Model(ws, "clf").download(tmp_path).endswith("model.pkl")
    assert (tmp_path / "model.pkl").read_bytes() == b"from-run"
    folder_model = run.register_model("clf-folder", model_path="outputs/extra")
    assert folder_model._entity.root == "extra" and folder_model._entity.file_count == 1
    assert [m.id for m in Model.list(ws, run_id=run.id)] == ["clf:1", "clf-folder:1"]
    with pytest.raises(NotFound, match="no file or folder"):
        run.register_model("nothing", model_path="outputs/missing.pkl")


def test_versions_are_unique_under_concurrent_registration(ws, tmp_path):
    (tmp_path / "m.bin").write_bytes(b"m")
    versions: list[int] = []
    errors: list[Exception] = []

    def register() -> None:
        try:
            versions.append(Model.register(ws, tmp_path / "m.bin", "busy").version)
        except Exception as exc:  # pragma: no cover - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=register) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors, errors
    assert sorted(versions) == list(range(1, 9))


def test_list_filters_and_latest(ws, tmp_path):
    (tmp_path / "m").write_text("x")
    for name, stage in (("a", "dev"), ("a", "prod"), ("b", "prod")):
        Model.register(ws, tmp_path / "m", name, tags={"stage": stage})
    assert [m.id for m in Model.list(ws)] == ["a:2", "a:1", "b:1"]
    assert [m.id for m in Model.list(ws, latest=True)] == ["a:2", "b:1"]
    assert [m.id for m in Model.list(ws, tags={"stage": "prod"})] == ["a:2", "b:1"]
    assert [m.id for m in Model.list(ws, tags=[["stage", "dev"]])] == ["a:1"]
    assert [m.id for m in Model.list(ws, name="b")] == ["b:1"]


def test_tags_properties_and_delete(ws, tmp_path):
    (tmp_path / "m").write_text("x")
    model = Model.register(ws, tmp_path / "m", "t", properties={"dataset": "iris:1"})
    model.add_tags({"stage": "prod", "owner": "ala"})
    model.remove_tags("owner")
    model.add_properties({"dataset": "iris:1", "metric": "0.9"})
    with pytest.raises(Conflict, match="write-once"):
        model.add_properties({"dataset": "iris:2"})
    fresh = Model(ws, "t")
    assert fresh.tags == {"stage": "prod"} and fresh.properties == {"dataset": "iris:1", "metric": "0.9"}
    model.delete()
    with pytest.raises(NotFound):
        Model(ws, "t", version=1)


def test_bad_input(ws, tmp_path):
    with pytest.raises(InvalidInput, match="does not exist"):
        Model.register(ws, tmp_path / "missing", "m")
    (tmp_path / "m").write_text("x")
    with pytest.raises(InvalidInput, match="model name|name"):
        Model.register(ws, tmp_path / "m", "bad name")
    with pytest.raises(NotFound):
        Model(ws, "never")
    assert Model.list(ws) == []


def test_get_model_path_downloads_for_a_workspace(ws, tmp_path, monkeypatch):
    (tmp_path / "m.pkl").write_text("x")
    Model.register(ws, tmp_path / "m.pkl", "pathy")
    monkeypatch.chdir(tmp_path)
    path = Model.get_model_path("pathy", _workspace=ws)
    assert path.endswith("models/pathy/1/m.pkl") and Path(path).read_text() == "x"
    monkeypatch.setenv("KUZNIA_MODEL_DIR", str(tmp_path / "mounted"))
    (tmp_path / "mounted" / "pathy" / "3").mkdir(parents=True)
    (tmp_path / "mounted" / "pathy" / "3" / "m.pkl").write_text("y")
    assert Model.get_model_path("pathy").endswith("mounted/pathy/3/m.pkl")


def test_a_submitted_script_registers_its_model(ws, tmp_path):
    from kuznia import ScriptRunConfig

    factories.fast_compute(ws)
    src = factories.source_folder(tmp_path / "src", {"train.py": (
        "import os\nfrom kuznia import Run\nrun = Run.get_context()\n"
        "os.makedirs('outputs', exist_ok=True)\nopen('outputs/model.txt', 'w').write('trained')\n"
        "m = run.register_model('scripted', model_path='outputs/model.txt')\nprint('registered', m.id)\n"
    )})
    run = factories.experiment(ws).submit(ScriptRunConfig(src, "train.py"))
    run.wait_for_completion(timeout_seconds=120)
    assert "registered scripted:1" in run.get_logs()
    assert Model(ws, "scripted").run_id == run.id
