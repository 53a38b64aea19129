"""Deployments end to end with real replicas: locally (SQLite stores) and behind the
server's gateway (PostgreSQL stores), on both backends."""

from __future__ import annotations

import pickle
import textwrap
import threading
import time

import httpx
import psutil
import pytest

from kuznia import InferenceConfig, LocalWebservice, Model, Webservice
from kuznia.errors import Conflict, KuzniaError
from tests import factories

SCORE = textwrap.dedent("""
    import json, os, pickle, time
    model = None

    def init():
        global model
        with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"), "rb") as f:
            model = pickle.load(f)
        print("init done", flush=True)

    def run(raw_data):
        data = json.loads(raw_data)
        if data.get("fail"):
            raise ValueError("asked to fail")
        if data.get("sleep"):
            time.sleep(data["sleep"])
        return {"predictions": model.predict(data["data"]).tolist(), "pid": os.getpid()}
""")
FLOWERS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


@pytest.fixture
def iris_model(ws, tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    x, y = load_iris(return_X_y=True)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(LogisticRegression(max_iter=500).fit(x, y)))
    return Model.register(ws, path, "iris")


def _deploy(ws, model, tmp_path, name="iris-svc", script=SCORE, **config):  # noqa: ANN001, ANN003, ANN202
    src = factories.source_folder(tmp_path / f"score-{name}", {"score.py": script})
    deployment = Webservice.deploy_configuration(**config) if config else None
    service = Model.deploy(ws, name, [model], InferenceConfig("score.py", source_directory=src), deployment)
    return service


def _ready(service, timeout=180):  # noqa: ANN001, ANN202
    try:
        service.wait_for_deployment(timeout_sec=timeout)
    except Exception:
        print(service.get_logs())
        raise
    return service


def _raw(service, body, key=None):  # noqa: ANN001, ANN202
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.post(service.scoring_uri, content=body, headers=headers, timeout=60)


def test_deploy_score_and_the_errors_of_bad_requests(ws, iris_model, tmp_path):
    service = _ready(_deploy(ws, iris_model, tmp_path))
    assert service.state == "Healthy" and service.scoring_uri.endswith("/score")
    assert service.run({"data": FLOWERS})["predictions"] == [0, 2]
    key = service.get_keys()[0] if service._entity.config.auth_enabled else None
    bad = _raw(service, b"{not json", key)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InvalidInput"
    failing = _raw(service, b'{"fail": true}', key)
    assert failing.status_code == 500 and "asked to fail" in failing.json()["error"]["message"]
    assert service.run({"data": FLOWERS})["predictions"] == [0, 2]  # still serving
    if service._entity.config.auth_enabled:
        assert _raw(service, b'{"data": []}', "wrong-key").status_code == 401
        assert _raw(service, b'{"data": []}').status_code == 401
    swagger = httpx.get(service.swagger_uri, timeout=30).json()
    assert "/score" in swagger["paths"]
    assert "init done" in service.get_logs()
    deadline = time.monotonic() + 10
    while service.get_telemetry().requests < 5 and time.monotonic() < deadline:
        time.sleep(0.3)
    telemetry = service.get_telemetry()
    assert telemetry.requests >= 4 and telemetry.status_codes.get("200", 0) >= 2
    assert telemetry.latency_ms_p50 is not None
    with pytest.raises(Conflict, match="iris-svc"):
        iris_model.delete()  # served models cannot be deleted
    assert [s.name for s in Webservice.list(ws)] == ["iris-svc"]
    service.delete()
    assert Webservice.list(ws) == []
    iris_model.delete()


def test_keys_can_be_regenerated(ws, iris_model, tmp_path):
    service = _ready(_deploy(ws, iris_model, tmp_path, replicas=1))
    assert service._entity.config.auth_enabled
    primary, secondary = service.get_keys()
    service.regen_key("Primary")
    new_primary, same_secondary = service.get_keys()
    assert new_primary != primary and same_secondary == secondary
    time.sleep(0.6)  # the gateway's route cache
    assert _raw(service, b'{"data": []}', primary).status_code == 401
    assert _raw(service, b'{"data": [[5.1, 3.5, 1.4, 0.2]]}', secondary).status_code == 200
    service.delete()


def test_a_killed_replica_is_restarted(ws, iris_model, tmp_path):
    service = _ready(_deploy(ws, iris_model, tmp_path))
    pid = service.run({"data": FLOWERS})["pid"]
    psutil.Process(pid).kill()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            answer = service.run({"data": FLOWERS})
            if answer["pid"] != pid:
                break
        except KuzniaError:
            pass
        time.sleep(0.3)
    else:
        raise AssertionError("no new replica")
    assert service.refresh().state == "Healthy"
    assert max(r.restarts for r in service._entity.replicas) >= 1
    service.delete()


def test_init_failure_fails_the_deployment_with_the_traceback(ws, iris_model, tmp_path):
    broken = "def init():\n    raise RuntimeError('cannot load the model')\n\ndef run(raw):\n    return 1\n"
    service = _deploy(ws, iris_model, tmp_path, name="broken", script=broken)
    with pytest.raises(KuzniaError, match="init"):
        service.wait_for_deployment(timeout_sec=180)
    assert service.state == "Failed"
    logs = service.get_logs()
    assert "RuntimeError: cannot load the model" in logs and "Traceback" in logs
    service.delete()


def test_rolling_update_under_load_fails_no_request(ws, iris_model, tmp_path):
    service = _ready(_deploy(ws, iris_model, tmp_path, name="rolling", replicas=2))
    key = service.get_keys()[0] if service._entity.config.auth_enabled else None
    failures: list[str] = []
    answered: list[int] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(timeout=60) as client:
            headers = {"Content-Type": "application/json"}
            if key:
                headers["Authorization"] = f"Bearer {key}"
            while not stop.is_set():
                response = client.post(service.scoring_uri, content=b'{"data": [[5.1, 3.5, 1.4, 0.2]]}',
                                       headers=headers)
                (answered if response.status_code == 200 else failures).append(
                    response.status_code if response.status_code == 200 else f"{response.status_code} {response.text}")

    workers = [threading.Thread(target=load) for _ in range(3)]
    [w.start() for w in workers]
    time.sleep(1)
    generation = service._entity.generation
    new_code = SCORE.replace('"pid": os.getpid()', '"pid": os.getpid(), "v": 2')
    service.update(inference_config=InferenceConfig("score.py", source_directory=factories.source_folder(
        tmp_path / "v2", {"score.py": new_code})))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        service.refresh()
        if service.state == "Healthy" and {r.generation for r in service._entity.replicas} == {generation + 1}:
            break
        time.sleep(0.5)
    time.sleep(1)
    stop.set()
    [w.join() for w in workers]
    assert not failures, failures[:5]
    assert len(answered) > 20
    assert service.run({"data": FLOWERS}).get("v") == 2
    service.delete()


def test_autoscale_adds_replicas_under_concurrent_load(ws, iris_model, tmp_path):
    service = _ready(_deploy(ws, iris_model, tmp_path, name="scaling", autoscale_enabled=True,
                             autoscale_min_replicas=1, autoscale_max_replicas=3, autoscale_target_utilization=50))
    key = service.get_keys()[0]
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                client.post(service.scoring_uri, content=b'{"data": [[5.1, 3.5, 1.4, 0.2]], "sleep": 0.2}',
                            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})

    workers = [threading.Thread(target=load) for _ in range(6)]
    [w.start() for w in workers]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and service.refresh()._entity.desired_replicas < 3:
            time.sleep(0.5)
        assert service._entity.desired_replicas == 3
    finally:
        stop.set()
        [w.join() for w in workers]
    service.delete()


def test_local_webservice_on_a_chosen_port(tmp_path):
    import socket

    from kuznia import Workspace

    ws = Workspace.create("local", path=tmp_path / "store")
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"answer": 42}))
    model = Model.register(ws, tmp_path / "m.pkl", "const")
    script = ("import os, pickle\ndef init():\n    global m\n"
              "    m = pickle.load(open(os.path.join(os.environ['AZUREML_MODEL_DIR'], 'm.pkl'), 'rb'))\n"
              "def run(raw):\n    return m\n")
    src = factories.source_folder(tmp_path / "src", {"score.py": script})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    service = Model.deploy(ws, "const", [model], InferenceConfig("score.py", source_directory=src),
                           LocalWebservice.deploy_configuration(port=port))
    service.wait_for_deployment(timeout_sec=120)
    assert service.scoring_uri == f"http://127.0.0.1:{port}/score"
    assert service.run("{}") == {"answer": 42}
    service.delete()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
        except httpx.TransportError:
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the local service still answers after delete")
