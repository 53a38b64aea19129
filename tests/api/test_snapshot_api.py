"""Blob uploads and snapshots over raw HTTP: hostile packs and bad manifests change nothing."""

from __future__ import annotations

import hashlib
import io
import tarfile


def _pack(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def test_blob_pack_round_trip(api, api_ws):
    data = b"print('hello')\n"
    digest = hashlib.sha256(data).hexdigest()
    assert api.post(f"/workspaces/{api_ws}/blobs/missing", json={"digests": [digest]}).json() == [digest]
    r = api.post(f"/workspaces/{api_ws}/blobs", content=_pack([_file(digest, data)]))
    assert r.status_code == 201 and r.json() == {"stored": 1}
    assert api.post(f"/workspaces/{api_ws}/blobs/missing", json={"digests": [digest]}).json() == []
    snap = api.post(f"/workspaces/{api_ws}/snapshots",
                    json={"entries": [{"path": "run.py", "digest": digest, "size": len(data), "mode": 0o644}]})
    assert snap.status_code == 201
    sid = snap.json()["id"]
    assert api.get(f"/workspaces/{api_ws}/snapshots/{sid}/files/run.py").content == data


def test_hostile_packs_are_refused(api, api_ws):
    data = b"x"
    digest = hashlib.sha256(data).hexdigest()
    link = tarfile.TarInfo(digest)
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    cases = [
        [_file("../../etc/cron.d/x", data)],
        [_file(f"/abs/{digest}", data)],
        [_file(hashlib.sha256(b"other").hexdigest(), data)],  # content does not match its name
        [(link, b"")],
    ]
    for members in cases:
        r = api.post(f"/workspaces/{api_ws}/blobs", content=_pack(members))
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "InvalidInput"
    r = api.post(f"/workspaces/{api_ws}/blobs", content=b"not a tar at all")
    assert r.status_code == 400
    assert api.post(f"/workspaces/{api_ws}/blobs/missing", json={"digests": [digest]}).json() == [digest]


def test_a_blob_with_the_wrong_digest_is_refused(api, api_ws):
    wrong = hashlib.sha256(b"something else").hexdigest()
    r = api.put(f"/workspaces/{api_ws}/blobs/{wrong}", content=b"actual")
    assert r.status_code == 400 and "digest" in r.json()["error"]["message"]
    r = api.put(f"/workspaces/{api_ws}/blobs/not-a-digest", content=b"x")
    assert r.status_code == 400


def test_snapshots_need_their_blobs_and_safe_paths(api, api_ws):
    digest = hashlib.sha256(b"never uploaded").hexdigest()
    r = api.post(f"/workspaces/{api_ws}/snapshots",
                 json={"entries": [{"path": "a.py", "digest": digest, "size": 1, "mode": 420}]})
    assert r.status_code == 400 and "not uploaded" in r.json()["error"]["message"]
    for path in ["../x.py", "/etc/passwd", "a\\b", "a//b"]:
        r = api.post(f"/workspaces/{api_ws}/snapshots",
                     json={"entries": [{"path": path, "digest": digest, "size": 1, "mode": 420}]})
        assert r.status_code == 400, path


def test_blobs_of_another_workspace_are_not_visible(api, api_ws):
    data = b"shared content"
    digest = hashlib.sha256(data).hexdigest()
    api.post(f"/workspaces/{api_ws}/blobs", content=_pack([_file(digest, data)]))
    other = api_ws + "x"
    api.post("/workspaces", json={"name": other})
    assert api.post(f"/workspaces/{other}/blobs/missing", json={"digests": [digest]}).json() == [digest]
    r = api.post(f"/workspaces/{other}/snapshots",
                 json={"entries": [{"path": "a.py", "digest": digest, "size": len(data), "mode": 420}]})
    assert r.status_code == 400


def test_log_streams_are_append_only_and_idempotent(api, api_ws):
    run = api.post(f"/workspaces/{api_ws}/runs", json={"experiment_name": "e"}).json()
    url = f"/workspaces/{api_ws}/runs/{run['id']}/logs/user_logs/std_log.txt"
    assert api.post(url, json={"offset": 0, "text": "hello "}).json() == {"end": 6}
    assert api.post(url, json={"offset": 0, "text": "hello "}).json() == {"end": 6}  # a retry
    assert api.post(url, json={"offset": 6, "text": "world\n"}).json() == {"end": 12}
    r = api.post(url, json={"offset": 50, "text": "gap"})
    assert r.status_code == 400 and "past the end" in r.json()["error"]["message"]
    body = api.get(url, params={"offset": 3}).json()
    assert body["text"] == "lo world\n" and body["next_offset"] == 12 and body["complete"] is False
    r = api.get(f"/workspaces/{api_ws}/runs/{run['id']}/logs/..%2F..%2Fetc%2Fpasswd")
    assert r.status_code in (400, 404)
