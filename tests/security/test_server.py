"""A real `kuznia server` subprocess: loopback by default, a loud warning elsewhere,
--init-admin, the body limit from the environment, and secrets that never leak — not in API
responses, the server's output, run logs or the database file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil
import pytest

from tests import factories
from tests.conftest import ADMIN_TOKEN, ServerProcess, clean_env, free_port


def _server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = clean_env(tmp_path / "home")
    env.update(KUZNIA_DATABASE_URL=f"sqlite:///{tmp_path / 'server' / 'kuznia.db'}",
               KUZNIA_STORAGE_URL=str(tmp_path / "server" / "blobs"),
               KUZNIA_SECRET_KEY_FILE=str(tmp_path / "server" / "secret.key"), **extra)
    return env


def _start(env: dict[str, str], *args: str, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = port or free_port()
    process = subprocess.Popen([sys.executable, "-m", "kuznia.cli", "server", "--port", str(port), *args],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode())  # type: ignore[union-attr]
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("kuznia server did not start")


def _stop(process: subprocess.Popen[bytes]) -> tuple[str, str]:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    out, err = process.communicate(timeout=10)
    return out.decode(errors="replace"), err.decode(errors="replace")


def _listening_addresses(pid: int, port: int) -> set[str]:
    found = set()
    for proc in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        for conn in proc.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port:
                found.add(conn.laddr.ip)
    return found


def test_the_server_binds_loopback_by_default(tmp_path):
    port = free_port()
    process, url = _start(_server_env(tmp_path), port=port)
    try:
        assert _listening_addresses(process.pid, port) == {"127.0.0.1"}
        assert httpx.get(url + "/api/v1/workspaces").status_code == 401
    finally:
        _, err = _stop(process)
    assert "WARNING" not in err


def test_binding_elsewhere_warns_loudly(tmp_path):
    port = free_port()
    process, _ = _start(_server_env(tmp_path), "--host", "0.0.0.0", port=port)  # noqa: S104 - the point of the test
    try:
        assert _listening_addresses(process.pid, port) == {"0.0.0.0"}  # noqa: S104
    finally:
        _, err = _stop(process)
    assert "WARNING" in err and "0.0.0.0" in err and "TLS" in err, err


def test_init_admin_creates_the_first_admin_and_prints_the_token_once(tmp_path):
    env = _server_env(tmp_path)
    del env["KUZNIA_ADMIN_TOKEN"]
    process, url = _start(env, "--init-admin")
    out, _ = _stop(process)
    tokens = [word for word in out.split() if word.startswith("kzu_")]
    assert len(tokens) == 1, out
    token = tokens[0]
    process, url = _start(env, "--init-admin")
    try:
        who = httpx.get(url + "/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert who.status_code == 200 and who.json()["is_admin"] is True
    finally:
        out_again, _ = _stop(process)
    assert "kzu_" not in out_again and "already" in out_again
    db = (tmp_path / "server" / "kuznia.db").read_bytes()
    assert token.encode() not in db  # only its hash is stored


def test_the_body_limit_comes_from_the_environment(tmp_path):
    server = ServerProcess(_server_env(tmp_path, KUZNIA_MAX_BODY_BYTES="50000")).start()
    try:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert httpx.post(server.url + "/api/v1/workspaces", json={"name": "limits"}, headers=headers).status_code == 201
        r = httpx.post(server.url + "/api/v1/workspaces/limits/runs", headers=headers,
                       json={"experiment_name": "e", "description": "d" * 60_000})
        assert r.status_code == 413 and r.json()["error"]["code"] == "PayloadTooLarge"
        r = httpx.post(server.url + "/api/v1/workspaces/limits/runs", headers=headers,
                       json={"experiment_name": "e", "description": "d" * 1000})
        assert r.status_code == 201
    finally:
        server.stop()


SECRET = "leak-canary-" + uuid.uuid4().hex


@pytest.mark.timeout(300)
def test_secrets_never_leak_through_a_real_server(tmp_path, monkeypatch):
    from kuznia import Experiment, ScriptRunConfig, Workspace
    from kuznia.errors import KuzniaError

    env = _server_env(tmp_path, KUZNIA_DISPATCH_INTERVAL="0.3", KUZNIA_FORKSERVER="0")
    server = ServerProcess(env).start()
    seen: list[bytes] = []

    def remember(response: httpx.Response) -> None:
        response.read()
        seen.append(response.content + str(response.headers).encode())

    try:
        ws = Workspace.create("vault", server=server.url)
        factories.fast_compute(ws)
        kv = ws.get_default_keyvault()
        kv.set_secret("db-password", SECRET)
        errors = []
        for call in (lambda: kv.set_secret("../bad name", SECRET), lambda: kv.set_secret("big", SECRET * 5000),
                     lambda: kv.get_secret("missing"), lambda: kv.set_secrets({"ok": SECRET, "bad/": SECRET})):
            try:
                call()
            except KuzniaError as exc:
                errors.append(str(exc))
        assert len(errors) == 4 and not any(SECRET in e for e in errors), errors
        other = factories.run(ws, "other")
        src = factories.source_folder(tmp_path / "src", {"leak.py": (
            "import os, sys\n"
            "import httpx\n"
            "from kuznia import Run\n"
            "run = Run.get_context()\n"
            "token = os.environ['KUZNIA_RUN_TOKEN']\n"
            "open(sys.argv[1], 'w').write(token)\n"
            "api = os.environ['KUZNIA_TRACKING_URI'] + '/api/v1/workspaces/' + os.environ['KUZNIA_WORKSPACE']\n"
            "auth = {'Authorization': 'Bearer ' + token}\n"
            "print('other run:', httpx.get(api + '/runs/' + sys.argv[2], headers=auth).status_code)\n"
            "print('members:', httpx.get(api + '/members', headers=auth).status_code)\n"
            "print('own run:', httpx.get(api + '/runs/' + run.id, headers=auth).status_code)\n"
            "value = run.get_secret('db-password')\n"
            "print('the secret is', value)\n"
            "print('stderr too', value, file=sys.stderr)\n"
            "run.log('ok', 1)\n"
            "raise SystemExit('failing with ' + value)\n"
        )})
        token_file = tmp_path / "run-token"
        run = Experiment(ws, "leak").submit(ScriptRunConfig(src, "leak.py", arguments=[str(token_file), other.id]))
        run.wait_for_completion(timeout_seconds=180, raise_on_error=False)
        assert run.get_status() == "Failed"
        log = run.get_logs()
        assert "the secret is ***" in log, log[-2000:]
        assert "other run: 403" in log and "members: 403" in log and "own run: 200" in log, log[-2000:]
        run_token = token_file.read_text()
        assert run_token.startswith("kzr_")
        for path in (f"/runs/{run.id}", "/secrets"):
            after = httpx.get(f"{server.url}/api/v1/workspaces/vault{path}",
                              headers={"Authorization": f"Bearer {run_token}"})
            assert after.status_code == 401, (path, after.text)  # the run ended: its token is dead
        details = str(run.get_details())

        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        with httpx.Client(base_url=server.url, headers=headers, event_hooks={"response": [remember]}) as client:
            base = "/api/v1/workspaces/vault"
            client.get(f"{base}/secrets")
            client.post(f"{base}/secrets/values", json={"names": ["missing", "db-password"]})
            client.put(f"{base}/secrets/x", json={"value": SECRET, "surprise": SECRET})
            client.put(f"{base}/secrets/x", json={"value": [SECRET]})
            client.post(f"{base}/secrets", json={"secrets": {"bad name!": SECRET}})
            client.post(f"{base}/secrets", content=b'{"secrets": {"a": "' + SECRET.encode() + b'"')
            client.get(f"{base}/audit")
            client.get(f"{base}/runs/{run.id}")
            for name in client.get(f"{base}/runs/{run.id}/logs").json():
                client.get(f"{base}/runs/{run.id}/logs/{name}")
            for item in client.get(f"{base}/runs/{run.id}/files").json()["items"]:
                client.get(f"{base}/runs/{run.id}/files/{item['path']}")
            client.get("/metrics")
            client.get(f"/workspaces/vault/runs/{run.id}")
            client.get(f"/workspaces/vault/runs/{run.id}/files/logs/user_logs/std_log.txt")
        guessed = httpx.post(server.url + "/api/v1/workspaces/vault/secrets/values", json={"names": ["db-password"]},
                             headers={"Authorization": "Bearer kzr_guess-0123456789abcdefghijklmnop"})
        assert guessed.status_code == 401
    finally:
        server.stop()
    out, err = server.process.communicate(timeout=10)  # type: ignore[union-attr]
    places = {"server stdout": out, "server stderr": err, "run logs": log.encode(), "run details": details.encode()}
    places.update({f"response {i}": body for i, body in enumerate(seen)})
    for file in (tmp_path / "server").rglob("*"):
        if file.is_file():
            places[str(file)] = file.read_bytes()
    for file in (tmp_path / "home").rglob("*"):
        if file.is_file() and file.stat().st_size < 50_000_000:
            places[str(file)] = file.read_bytes()
    leaked = [where for where, data in places.items() if SECRET.encode() in data]
    assert leaked == [], leaked
    assert any(b"***" in data for where, data in places.items() if where.startswith("response"))
    assert len(seen) > 10 and os.path.exists(tmp_path / "server" / "kuznia.db")
