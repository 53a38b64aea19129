"""Archives and folders: tar-slip members, links and hostile manifest paths are refused;
folders are read without following links out of them (snapshots, upload_folder, model
register of a folder). No route takes a zip archive: the one tar stream the server reads is
the blob pack of snapshot and model uploads."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from kuznia import Model
from kuznia.blobs.snapshots import walk_source
from kuznia.sdk.environment import Environment
from kuznia.sdk.submit import snapshot_folder
from tests import factories

OUTSIDE_SECRET = b"outside-the-tree-" + os.urandom(4).hex().encode()


def _pack(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return buffer.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


EVIL = b"evil blob"
EVIL_DIGEST = hashlib.sha256(EVIL).hexdigest()
PACKS = {
    "dotdot": [_file("../../evil", EVIL)],
    "absolute": [_file("/tmp/kuznia-evil", EVIL)],
    "digest-under-dotdot": [_file(f"../{EVIL_DIGEST}", EVIL)],
    "digest-in-folder": [_file(f"sub/{EVIL_DIGEST}", EVIL)],
    "symlink": [_link(EVIL_DIGEST, "/etc/passwd")],
    "hardlink": [_link(EVIL_DIGEST, "/etc/passwd", tarfile.LNKTYPE)],
    "folder": [(tarfile.TarInfo("d"), None)],
    "wrong-content": [_file("0" * 64, EVIL)],
    "not-a-tar": None,
}


@pytest.mark.parametrize("kind", list(PACKS))
def test_blob_packs_refuse_slips_links_and_lies(admin, team, tmp_path, kind):
    members = PACKS[kind]
    if members is not None and kind in ("folder",):
        members[0][0].type = tarfile.DIRTYPE
    body = _pack(members) if members is not None else b"PK\x03\x04 not a tar at all" * 10
    w = f"/api/v1/workspaces/{team.workspace}"
    r = admin.post(f"{w}/blobs", content=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "InvalidInput"
    assert not Path("/tmp/kuznia-evil").exists()
    assert not (tmp_path.parent / "evil").exists()
    # nothing was recorded for the workspace
    assert admin.post(f"{w}/blobs/missing", json={"digests": [EVIL_DIGEST]}).json() == [EVIL_DIGEST]


def test_a_good_blob_pack_is_accepted(admin, team):
    data = b"good blob " + os.urandom(8)
    digest = hashlib.sha256(data).hexdigest()
    r = admin.post(f"/api/v1/workspaces/{team.workspace}/blobs", content=_pack([_file(digest, data)]))
    assert r.status_code == 201 and r.json() == {"stored": 1}


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../x", "a\\b", "x\x00", ".", "a//b"])
def test_manifests_with_hostile_paths_are_refused(admin, team, path):
    data = b"manifest blob"
    digest = hashlib.sha256(data).hexdigest()
    w = f"/api/v1/workspaces/{team.workspace}"
    assert admin.put(f"{w}/blobs/{digest}", content=data).status_code == 201
    entry = {"path": path, "digest": digest, "size": len(data), "mode": 0o644}
    r = admin.post(f"{w}/snapshots", json={"entries": [entry]})
    assert r.status_code == 400 and "path" in r.json()["error"]["message"], r.text
    r = admin.post(f"{w}/models", json={"name": "slip", "entries": [entry]})
    assert r.status_code == 400, r.text
    r = admin.post(f"{w}/models", json={"name": "slip", "run_id": team.run_id, "run_path": path})
    assert r.status_code in (400, 404), r.text
    assert admin.get(f"{w}/models/slip").status_code == 404


def _tree_with_links(root: Path, outside: Path) -> Path:
    outside.mkdir()
    (outside / "secret.txt").write_bytes(OUTSIDE_SECRET)
    src = factories.source_folder(root, {"train.py": "print('hi')\n", "sub/inner.txt": "inner"})
    (src / "link-out.txt").symlink_to(outside / "secret.txt")
    (src / "dir-out").symlink_to(outside, target_is_directory=True)
    (src / "abs-link").symlink_to("/etc/passwd")
    (src / "dotdot-link").symlink_to("../outside/secret.txt")
    (src / "link-in.txt").symlink_to(src / "sub" / "inner.txt")  # stays inside: allowed
    return src


def test_snapshots_do_not_follow_links_out_of_the_folder(ws, tmp_path):
    src = _tree_with_links(tmp_path / "src", tmp_path / "outside")
    names = sorted(f.path for f in walk_source(src))
    assert names == ["link-in.txt", "sub/inner.txt", "train.py"]
    snapshot = snapshot_folder(ws, src)
    manifest = ws._backend.get_snapshot_manifest(ws.name, snapshot.id)
    assert sorted(e.path for e in manifest.entries) == names
    digest = hashlib.sha256(OUTSIDE_SECRET).hexdigest()
    assert digest not in {e.digest for e in manifest.entries}


def test_upload_folder_and_model_register_skip_links_out(ws, tmp_path):
    src = _tree_with_links(tmp_path / "src", tmp_path / "outside")
    run = factories.run(ws)
    run.upload_folder("up", str(src))
    names = run.get_file_names()
    assert sorted(names) == ["up/link-in.txt", "up/sub/inner.txt", "up/train.py"]
    model = Model.register(ws, str(src), "linked")
    files = ws._backend.get_model_files(ws.name, "linked", model.version)
    assert sorted(e.path for e in files.entries) == ["src/link-in.txt", "src/sub/inner.txt", "src/train.py"]
    target = tmp_path / "downloaded"
    Model(ws, "linked", version=model.version).download(target)
    for path in target.rglob("*"):
        if path.is_file():
            assert path.read_bytes() != OUTSIDE_SECRET, path
            assert path.resolve().is_relative_to(target.resolve())
    run.complete()


def test_restore_snapshot_writes_only_inside_the_target(ws, tmp_path):
    src = factories.source_folder(tmp_path / "src", {"a.py": "a", "deep/er/b.py": "b"})
    snapshot = snapshot_folder(ws, src)
    run = factories.run(ws)
    run._entity = run._entity.model_copy(update={"snapshot_id": snapshot.id})
    target = tmp_path / "restored"
    run.restore_snapshot(target)
    written = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert written == ["a.py", "deep/er/b.py"]
    run.complete()


def test_environment_definitions_from_folders_are_checked(tmp_path):
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "kuznia_environment.json").write_text(
        '{"name": "../../evil", "python": {"pip_packages": ["--index-url http://127.0.0.1/"]}}')
    from kuznia.errors import InvalidInput

    with pytest.raises(InvalidInput):
        Environment.load_from_directory(tmp_path / "env")
    saved = Environment("fine").save_to_directory(tmp_path / "out")
    assert sorted(p.name for p in saved.iterdir()) == ["kuznia_environment.json"]


@pytest.mark.parametrize("mode", [0o4755, 0o2755, 0o1777, 0o10644])
def test_manifests_may_not_ask_for_setuid_setgid_or_sticky_files(admin, team, mode):
    data = b"#!/bin/sh\nid\n"
    digest = hashlib.sha256(data).hexdigest()
    w = f"/api/v1/workspaces/{team.workspace}"
    assert admin.put(f"{w}/blobs/{digest}", content=data).status_code == 201
    entry = {"path": "tool.sh", "digest": digest, "size": len(data), "mode": mode}
    r = admin.post(f"{w}/snapshots", json={"entries": [entry]})
    assert r.status_code == 400 and "mode" in r.json()["error"]["message"], r.text
    assert admin.post(f"{w}/models", json={"name": "suid", "entries": [entry]}).status_code == 400


def test_a_setuid_source_file_is_restored_without_its_setuid_bit(ws, tmp_path):
    import stat

    src = factories.source_folder(tmp_path / "src", {"tool.sh": "#!/bin/sh\nid\n"})
    os.chmod(src / "tool.sh", 0o4755)
    snapshot = snapshot_folder(ws, src)
    run = factories.run(ws)
    run._entity = run._entity.model_copy(update={"snapshot_id": snapshot.id})
    restored = run.restore_snapshot(tmp_path / "restored")
    assert stat.S_IMODE((restored / "tool.sh").stat().st_mode) == 0o755
    run.complete()
