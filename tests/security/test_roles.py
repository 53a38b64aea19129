"""Roles in a workspace, run tokens, revoked tokens, disabled users and the audit trail."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from tests.security.conftest import bearer, client_of, make_team, new_run_token, new_user

SECRET = "role-secret-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def crew(admin):  # noqa: ANN001, ANN201
    """A team whose owner has put a secret in the vault."""
    team = make_team(admin)
    r = admin.put(f"/api/v1/workspaces/{team.workspace}/secrets/db-password", json={"value": SECRET})
    assert r.status_code == 204, r.text
    return team


def _w(team, rest=""):  # noqa: ANN001, ANN202
    return f"/api/v1/workspaces/{team.workspace}{rest}"


def test_a_reader_reads_but_does_not_write_or_see_secret_values(app, crew):
    with crew.client(app, "reader") as reader:
        assert reader.get(_w(crew, "/runs")).status_code == 200
        assert reader.get(_w(crew, f"/runs/{crew.run_id}/files/outputs/a.txt")).content == b"hello"
        assert reader.post(_w(crew, "/runs/search"), json={}).status_code == 200
        assert reader.post(_w(crew, "/models/search"), json={}).status_code == 200
        names = reader.get(_w(crew, "/secrets"))
        assert names.status_code == 200 and [s["name"] for s in names.json()] == ["db-password"]
        assert SECRET not in names.text
        values = reader.post(_w(crew, "/secrets/values"), json={"names": ["db-password"]})
        assert values.status_code == 403 and SECRET not in values.text
        assert reader.post(_w(crew, "/runs"), json={"experiment_name": "exp"}).status_code == 403
        assert reader.patch(_w(crew, f"/runs/{crew.run_id}/tags"), json={"set": {"a": "b"}}).status_code == 403
        assert reader.put(_w(crew, f"/runs/{crew.run_id}/files/x.txt"), content=b"x").status_code == 403
        assert reader.get(_w(crew, "/members")).status_code == 200


def test_a_contributor_creates_but_does_not_manage_members_or_secrets(app, crew):
    with crew.client(app, "contributor") as contributor:
        run = contributor.post(_w(crew, "/runs"), json={"experiment_name": "contrib", "status": "Running"})
        assert run.status_code == 201, run.text
        run_id = run.json()["id"]
        assert contributor.put(_w(crew, f"/runs/{run_id}/files/outputs/m.bin"), content=b"model").status_code == 201
        model = contributor.post(_w(crew, "/models"), json={"name": "m", "run_id": run_id,
                                                           "run_path": "outputs/m.bin"})
        assert model.status_code == 201, model.text
        env = contributor.post(_w(crew, "/environments"), json={"name": "env", "python": {"pip_packages": []}})
        assert env.status_code == 200, env.text
        blob = b"def init():\n    pass\ndef run(data):\n    return data\n"
        digest = hashlib.sha256(blob).hexdigest()
        assert contributor.put(_w(crew, f"/blobs/{digest}"), content=blob).status_code == 201
        snap = contributor.post(_w(crew, "/snapshots"), json={"entries": [
            {"path": "score.py", "digest": digest, "size": len(blob), "mode": 0o644}]})
        assert snap.status_code == 201, snap.text
        # deploying passes authorization (a model that does not exist is what stops it)
        deploy = contributor.post(_w(crew, "/endpoints"), json={
            "name": "svc", "models": ["nope:1"],
            "inference": {"entry_script": "score.py", "snapshot_id": snap.json()["id"]}})
        assert deploy.status_code in (400, 404), deploy.text
        assert contributor.put(_w(crew, "/members"), json={"user": crew.users["outsider"], "role": "owner"}
                               ).status_code == 403
        assert contributor.delete(_w(crew, f"/members/{crew.users['reader']}")).status_code == 403
        assert contributor.put(_w(crew, "/secrets/x"), json={"value": "v"}).status_code == 403
        assert contributor.delete(_w(crew, "/secrets/db-password")).status_code == 403
        values = contributor.post(_w(crew, "/secrets/values"), json={"names": ["db-password"]})
        assert values.status_code == 403 and SECRET not in values.text
        assert contributor.get(_w(crew, "/audit")).status_code == 403
    with crew.client(app, "reader") as reader:
        deploy = reader.post(_w(crew, "/endpoints"), json={
            "name": "svc", "models": ["nope:1"], "inference": {"entry_script": "score.py", "snapshot_id": "0" * 64}})
        assert deploy.status_code == 403


def test_an_owner_manages_members_and_secrets(app, admin, crew):
    extra, _ = new_user(admin, "extra")
    with crew.client(app, "owner") as owner:
        assert owner.put(_w(crew, "/members"), json={"user": extra, "role": "reader"}).status_code == 200
        assert owner.delete(_w(crew, f"/members/{extra}")).status_code == 204
        assert owner.put(_w(crew, "/secrets/api-key"), json={"value": "k-1"}).status_code == 204
        values = owner.post(_w(crew, "/secrets/values"), json={"names": ["api-key", "db-password"]})
        assert values.status_code == 200 and [v["value"] for v in values.json()] == ["k-1", SECRET]
        assert owner.delete(_w(crew, "/secrets/api-key")).status_code == 204
        assert owner.get(_w(crew, "/audit")).status_code == 200
        # the last owner cannot be removed or demoted (a workspace of their own: its only owner)
        mine = f"own-{uuid.uuid4().hex[:8]}"
        assert owner.post("/api/v1/workspaces", json={"name": mine}).status_code == 201
        me = crew.users["owner"]
        assert owner.delete(f"/api/v1/workspaces/{mine}/members/{me}").status_code == 409
        assert owner.put(f"/api/v1/workspaces/{mine}/members", json={"user": me, "role": "reader"}).status_code == 409
        assert owner.get(f"/api/v1/workspaces/{mine}/audit").status_code == 200
        # owners of one workspace are nobody in another
        other = make_team(admin)
        assert owner.get(f"/api/v1/workspaces/{other.workspace}/runs").status_code == 404
        assert owner.put(f"/api/v1/workspaces/{other.workspace}/members",
                         json={"user": crew.users["owner"], "role": "owner"}).status_code == 404


def test_the_audit_trail_says_who_did_what_and_when(app, admin, crew):
    with crew.client(app, "owner") as owner:
        extra, _ = new_user(admin, "audited")
        assert owner.put(_w(crew, "/members"), json={"user": extra, "role": "contributor"}).status_code == 200
        assert owner.put(_w(crew, "/secrets/audited"), json={"value": SECRET}).status_code == 204
        assert owner.delete(_w(crew, "/secrets/audited")).status_code == 204
        assert owner.delete(_w(crew, f"/members/{extra}")).status_code == 204
        entries = owner.get(_w(crew, "/audit"), params={"max_results": 1000}).json()["items"]
    actions = {(e["action"], e["actor"]) for e in entries}
    me = f"user:{crew.users['owner']}"
    for action in ("member.set", "secret.set", "secret.delete", "member.remove"):
        assert (action, me) in actions, action
    assert ("workspace.create", "user:admin") in actions
    assert ("run.create", "user:admin") in actions
    assert all(e["at"] for e in entries)
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)  # newest first
    assert SECRET not in str(entries)
    for who in ("reader", "contributor", "outsider"):
        with crew.client(app, who) as client:
            assert client.get(_w(crew, "/audit")).status_code in (403, 404)


def test_model_changes_and_deletes_are_audited(app, crew):
    with crew.client(app, "contributor") as contributor:
        run = contributor.post(_w(crew, "/runs"), json={"experiment_name": "audit-m", "status": "Running"}).json()
        contributor.put(_w(crew, f"/runs/{run['id']}/files/w.bin"), content=b"w")
        model = contributor.post(_w(crew, "/models"), json={"name": "audited", "run_id": run["id"],
                                                           "run_path": "w.bin"}).json()
        version = model["version"]
        assert contributor.patch(_w(crew, f"/models/audited/versions/{version}"),
                                 json={"description": "x"}).status_code == 200
        assert contributor.delete(_w(crew, f"/models/audited/versions/{version}")).status_code == 204
    with crew.client(app, "owner") as owner:
        entries = owner.get(_w(crew, "/audit"), params={"max_results": 1000}).json()["items"]
    who = f"user:{crew.users['contributor']}"
    done = {(e["action"], e["resource"]) for e in entries if e["actor"] == who}
    assert {("model.register", f"model:audited:{version}"), ("model.update", f"model:audited:{version}"),
            ("model.delete", f"model:audited:{version}")} <= done


def test_a_run_token_stops_working_when_its_run_ends(app, admin, stores, crew):
    run = admin.post(_w(crew, "/runs"), json={"experiment_name": "ending", "status": "Running"}).json()
    token = new_run_token(stores, run["id"])
    with client_of(app, token) as as_run:
        assert as_run.get(_w(crew, f"/runs/{run['id']}")).status_code == 200  # (now cached)
        child = as_run.post(_w(crew, "/runs"), json={"experiment_name": "ending", "parent_run_id": run["id"]})
        assert child.status_code == 201, child.text
        assert as_run.get(_w(crew, f"/runs/{child.json()['id']}")).status_code == 200
        secret = as_run.post(_w(crew, "/secrets/values"), json={"names": ["db-password"]})
        assert secret.status_code == 200 and secret.json()[0]["value"] == SECRET
        done = as_run.patch(_w(crew, f"/runs/{run['id']}"), json={"status": "Completed"})
        assert done.status_code == 200, done.text
        after = as_run.get(_w(crew, f"/runs/{run['id']}"))
        assert after.status_code == 401, after.text
        assert as_run.post(_w(crew, "/secrets/values"), json={"names": ["db-password"]}).status_code == 401


def test_a_canceled_runs_token_stops_working(app, admin, stores, crew):
    run = admin.post(_w(crew, "/runs"), json={"experiment_name": "ending", "status": "Running"}).json()
    token = new_run_token(stores, run["id"])
    with client_of(app, token) as as_run:
        assert as_run.get(_w(crew, f"/runs/{run['id']}")).status_code == 200
        assert admin.post(_w(crew, f"/runs/{run['id']}/cancel")).status_code == 200
        assert as_run.get(_w(crew, f"/runs/{run['id']}")).status_code == 401


def test_revoked_tokens_get_401_at_once(app, admin, crew):
    name, token = new_user(admin, "revoking")
    with client_of(app, token) as client:
        assert client.get("/api/v1/whoami").json()["name"] == name
        second = client.post("/api/v1/tokens", json={"name": "second"}).json()
        assert second["token"].startswith("kzu_")
        listed = client.get("/api/v1/tokens").json()
        assert all("token" not in t for t in listed) and len(listed) == 2
        mine = next(t for t in listed if t["name"] == "tests")
        assert client.post(f"/api/v1/tokens/{mine['id']}/revoke").status_code == 200
        r = client.get("/api/v1/whoami")
        assert r.status_code == 401 and r.json()["error"]["code"] == "Unauthorized"
    with client_of(app, second["token"]) as client:
        assert client.get("/api/v1/whoami").status_code == 200
        # one user cannot revoke another's token
        other_name, other_token = new_user(admin, "victim")
        theirs = admin.get("/api/v1/tokens", params={"user": other_name}).json()[0]
        assert client.post(f"/api/v1/tokens/{theirs['id']}/revoke").status_code == 404
        assert client.get("/api/v1/tokens", params={"user": other_name}).status_code == 403
        assert client.post("/api/v1/tokens", json={"user": other_name}).status_code == 403
    with client_of(app, other_token) as client:
        assert client.get("/api/v1/whoami").status_code == 200


def test_disabled_users_get_401_and_come_back_when_enabled(app, admin, crew):
    name, token = new_user(admin, "disabled")
    with client_of(app, token) as client:
        assert client.get("/api/v1/whoami").status_code == 200
        assert admin.post(f"/api/v1/users/{name}/disable").status_code == 200
        assert client.get("/api/v1/whoami").status_code == 401
        assert client.get("/", headers=bearer(token)).status_code == 401
        assert admin.post(f"/api/v1/users/{name}/enable").status_code == 200
        assert client.get("/api/v1/whoami").status_code == 200


def test_only_admins_manage_users(app, crew):
    with crew.client(app, "owner") as owner:
        assert owner.post("/api/v1/users", json={"name": f"new-{uuid.uuid4().hex[:6]}"}).status_code == 403
        assert owner.post("/api/v1/users", json={"name": "x", "is_admin": True}).status_code == 403
        assert owner.get("/api/v1/users").status_code == 403
        assert owner.post(f"/api/v1/users/{crew.users['reader']}/disable").status_code == 403


def test_studio_lists_only_the_viewers_workspaces(app, admin, crew):
    other = make_team(admin)
    with crew.client(app, "reader") as reader:
        page = reader.get("/")
        assert page.status_code == 200
        assert crew.workspace in page.text
        assert other.workspace not in page.text
        api = reader.get("/api/v1/workspaces").json()["items"]
        assert [w["name"] for w in api] == [crew.workspace]


def test_outsiders_cannot_tell_which_workspaces_exist(app, crew):
    """A workspace one is not a member of looks exactly like one that does not exist."""
    with crew.client(app, "outsider") as outsider:
        for rest in ("", "/runs", "/secrets", "/members", f"/runs/{crew.run_id}"):
            real = outsider.get(f"/api/v1/workspaces/{crew.workspace}{rest}")
            ghost = outsider.get(f"/api/v1/workspaces/ghost-{uuid.uuid4().hex[:8]}{rest}")
            assert real.status_code == ghost.status_code == 404, rest
            name = ghost.url.path.split("/")[4]
            assert real.json() == {"error": {**ghost.json()["error"],
                                             "message": ghost.json()["error"]["message"].replace(name, crew.workspace)}}
        page = outsider.get(f"/workspaces/{crew.workspace}")
        missing = outsider.get("/workspaces/ghost-0000")
        assert page.status_code == missing.status_code == 404


def test_a_run_token_registers_models_but_does_not_change_or_delete_any(app, admin, stores, crew):
    """A run may register a model from its own files; the registry and the workspace's
    experiments are not its to edit or delete."""
    w = _w(crew)
    run = admin.post(f"{w}/runs", json={"experiment_name": "registry", "status": "Running"}).json()
    admin.put(f"{w}/runs/{run['id']}/files/outputs/m.bin", content=b"m")
    other = admin.post(f"{w}/runs", json={"experiment_name": "registry", "status": "Running"}).json()
    admin.put(f"{w}/runs/{other['id']}/files/outputs/m.bin", content=b"theirs")
    theirs = admin.post(f"{w}/models", json={"name": "precious", "run_id": other["id"],
                                            "run_path": "outputs/m.bin"}).json()
    with client_of(app, new_run_token(stores, run["id"])) as as_run:
        mine = as_run.post(f"{w}/models", json={"name": "from-run", "run_id": run["id"], "run_path": "outputs/m.bin"})
        assert mine.status_code == 201, mine.text
        stolen = as_run.post(f"{w}/models", json={"name": "stolen", "run_id": other["id"],
                                                 "run_path": "outputs/m.bin"})
        assert stolen.status_code == 403
        version = f"{w}/models/precious/versions/{theirs['version']}"
        assert as_run.get(version).status_code == 200
        assert as_run.patch(version, json={"description": "vandalised"}).status_code == 403
        assert as_run.delete(version).status_code == 403
        assert as_run.patch(f"{w}/experiments/registry", json={"archived": True}).status_code == 403
        assert as_run.patch(f"{w}/experiments/exp", json={"description": "x"}).status_code == 403
    assert admin.get(version).json()["description"] == ""
    assert admin.get(f"{w}/experiments/registry").json()["archived"] is False


def test_a_lookup_that_raced_a_revocation_is_not_cached():
    from kuznia.services.access import Principal, TokenCache

    cache = TokenCache()
    seen = cache.generation
    cache.clear()  # a revocation committed while the lookup was reading
    cache.put("k", Principal(kind="user", name="u"), seen)
    assert cache.get("k") == (False, None)
    cache.put("k", Principal(kind="user", name="u"), cache.generation)
    assert cache.get("k")[0] is True


def test_prometheus_metrics_are_for_admins(app, admin, crew):
    """Its labels name every workspace and endpoint of the server."""
    assert admin.get("/metrics").status_code == 200
    for who in ("owner", "reader", "outsider"):
        with crew.client(app, who) as client:
            assert client.get("/metrics").status_code == 403
