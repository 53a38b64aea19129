"""`kuznia endpoint …` as real subprocesses, on an embedded workspace."""

from __future__ import annotations

import pickle

from tests import factories


def test_endpoint_commands(cli, tmp_path):
    cli("workspace", "create", "team")
    (cli.cwd / "m.pkl").write_bytes(pickle.dumps({"factor": 3}))
    cli("model", "register", "times", "m.pkl")
    factories.source_folder(cli.cwd / "scoring", {"score.py": (
        "import json, os, pickle\n"
        "def init():\n    global m\n    m = pickle.load(open(os.path.join(os.environ['AZUREML_MODEL_DIR'], 'm.pkl'), 'rb'))\n"
        "def run(raw):\n    return [x * m['factor'] for x in json.loads(raw)['data']]\n")})
    deployed = cli("endpoint", "deploy", "times-svc", "-m", "times:1", "-e", "score.py", "-s", "scoring")
    assert "Healthy" in deployed.stdout
    assert cli.json("endpoint", "list")[0]["state"] == "Healthy"
    assert cli.json("endpoint", "score", "times-svc", "--data", '{"data": [1, 2]}') == [3, 6]
    (cli.cwd / "in.json").write_text('{"data": [5]}')
    assert cli.json("endpoint", "score", "times-svc", "--file", "in.json") == [15]
    bad = cli("endpoint", "score", "times-svc", "--data", "{nope", ok=False)
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr
    keys = cli.json("endpoint", "keys", "times-svc")
    assert keys["primary_key"] != keys["secondary_key"]
    shown = cli.json("endpoint", "show", "times-svc")
    assert shown["telemetry"]["requests"] >= 0 and shown["models"] == ["times:1"]
    assert "replica" in cli("endpoint", "show", "times-svc").stdout
    cli("endpoint", "update", "times-svc", "--replicas", "2")
    assert cli.json("endpoint", "show", "times-svc")["desired_replicas"] == 2
    assert "replica ready" in cli("endpoint", "logs", "times-svc").stdout
    cli("endpoint", "delete", "times-svc")
    assert cli.json("endpoint", "list") == []
