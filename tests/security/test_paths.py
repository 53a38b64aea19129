"""Path traversal on every route and SDK method that takes a path: '../', absolute paths,
URL-encoded and double-encoded '..', backslashes, NUL bytes and over-long names get a
clean 4xx, and nothing is written anywhere else."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import pytest

from kuznia.errors import InvalidInput
from tests import factories

HOSTILE = [
    "../x", "../../../../../../etc/passwd", "a/../../x", "/etc/passwd", "//etc/passwd", "a/..", "..",
    ".", "./x", "a/./b", "a//b", "..\\x", "a\\..\\..\\x", "C:/x", "x\x00.txt", "x\n.txt",
    "a" * 300, "a/" * 600 + "a",
]
IDS = ["dotdot", "deep", "inner", "absolute", "double-slash", "tail", "only-dotdot", "dot", "dot-slash", "inner-dot",
       "empty-part", "backslash", "backslash-deep", "drive", "nul", "newline", "long-part", "long-path"]


def encoded(path: str) -> str:
    """The path as one URL segment with every '.' and '/' percent-encoded, so no client or
    proxy normalizes it away before the server decodes it."""
    return quote(path, safe="").replace(".", "%2E")


def double_encoded(path: str) -> str:
    return quote(encoded(path), safe="")


@pytest.fixture(scope="module")
def things(admin, team):  # noqa: ANN001, ANN201
    """A run with a file, a model version and a snapshot in the team's workspace."""
    w = f"/api/v1/workspaces/{team.workspace}"
    model = admin.post(f"{w}/models", json={"name": "paths-model", "run_id": team.run_id,
                                           "run_path": "outputs/a.txt"})
    assert model.status_code == 201, model.text
    blob = b"print('hi')\n"
    digest = hashlib.sha256(blob).hexdigest()
    assert admin.put(f"{w}/blobs/{digest}", content=blob).status_code == 201
    snap = admin.post(f"{w}/snapshots", json={"entries": [{"path": "a.py", "digest": digest, "size": len(blob),
                                                           "mode": 0o644}]})
    assert snap.status_code == 201, snap.text
    return {"w": w, "run": f"{w}/runs/{team.run_id}", "model": f"{w}/models/paths-model/versions/{model.json()['version']}",
            "snapshot": f"{w}/snapshots/{snap.json()['id']}",
            "studio": f"/workspaces/{team.workspace}/runs/{team.run_id}"}


def _routes(things: dict[str, str]) -> list[tuple[str, str, dict]]:
    """(method, URL prefix the hostile path is appended to, request arguments)."""
    return [
        ("PUT", f"{things['run']}/files/", {"content": b"evil"}),
        ("GET", f"{things['run']}/files/", {}),
        ("GET", f"{things['run']}/logs/", {}),
        ("POST", f"{things['run']}/logs/", {"json": {"offset": 0, "text": "evil"}}),
        ("GET", f"{things['snapshot']}/files/", {}),
        ("GET", f"{things['model']}/files/", {}),
        ("GET", f"{things['studio']}/files/", {}),
        ("GET", f"{things['studio']}/raw/", {}),
    ]


def _assert_clean_refusal(r, where: str) -> None:  # noqa: ANN001
    assert 400 <= r.status_code < 500, (where, r.status_code, r.text[:300])
    assert b"root:" not in r.content and b"evil" not in r.content, where
    if "/api/" in where:
        assert r.json()["error"]["code"] in ("InvalidInput", "NotFound", "MethodNotAllowed"), (where, r.text)


@pytest.mark.parametrize("hostile", HOSTILE, ids=IDS)
def test_hostile_paths_get_a_clean_4xx_everywhere(admin, things, team, hostile):
    before = admin.get(f"{things['run']}/files").json()["items"]
    for method, prefix, kwargs in _routes(things):
        # writes only in the encoded form: a client may normalize the plain one into a valid name
        forms = (encoded(hostile),) if method != "GET" else (encoded(hostile), quote(hostile, safe="/"))
        for form in forms:
            url = prefix + form
            r = admin.request(method, url, **kwargs)
            if r.status_code < 400 and form != encoded(hostile):
                continue  # the unencoded form was normalized by the client into another (valid) path
            _assert_clean_refusal(r, f"{method} {url[:200]}")
    after = admin.get(f"{things['run']}/files").json()["items"]
    assert after == before
    assert admin.get(f"{things['run']}/logs").json() == []


@pytest.mark.parametrize("hostile", ["../x", "../../etc/passwd", "..\\x"])
def test_double_encoded_dots_stay_literal_names(admin, things, hostile):
    """'%252e%252e' arrives as the text '%2e%2e': a file may be called that, but it is a name
    inside the run, never decoded again into '..'."""
    url = f"{things['run']}/files/{double_encoded(hostile)}"
    r = admin.put(url, content=b"literal")
    names = [f["path"] for f in admin.get(f"{things['run']}/files").json()["items"]]
    if r.status_code == 201:
        literal = encoded(hostile)
        assert literal in names, names
        assert admin.get(url).content == b"literal"
    else:
        _assert_clean_refusal(r, url)
    assert not any(".." in name.split("/") for name in names)


@pytest.mark.parametrize("prefix", ["../", "/etc", "a/../../", "..\\", "a\x00", "a" * 2000])
def test_hostile_prefixes_in_listings(admin, things, prefix):
    r = admin.get(f"{things['run']}/files", params={"prefix": prefix})
    _assert_clean_refusal(r, f"{things['run']}/files?prefix")


def test_path_params_of_other_routes(admin, things, team):
    """Names that end up in storage keys or lookups: digests, snapshot ids, run ids."""
    w = things["w"]
    for url in (f"{w}/blobs/{encoded('../../x')}", f"{w}/blobs/{'0' * 63}g"):
        _assert_clean_refusal(admin.put(url, content=b"x"), url)
    for url in (f"{w}/snapshots/{encoded('../x')}", f"{w}/snapshots/{'a' * 64}/files/a.py",
                f"{w}/runs/{encoded('../x')}", f"{w}/runs/{encoded('a' * 400)}",
                f"{w}/experiments/{encoded('../x')}", f"{w}/models/{encoded('../x')}",
                f"{w}/environments/{encoded('../x')}", f"{w}/endpoints/{encoded('../x')}",
                f"/api/v1/workspaces/{encoded('../x')}/runs", f"/api/v1/workspaces/{'w' * 200}/runs"):
        _assert_clean_refusal(admin.get(url), url)


# SDK --------------------------------------------------------------------------------------------
SDK_HOSTILE = ["../x", "../../etc/passwd", "/etc/passwd", "a/../../x", "..\\x", "x\x00", "a" * 300]


@pytest.mark.parametrize("hostile", SDK_HOSTILE)
def test_sdk_file_methods_refuse_hostile_names(ws, tmp_path, hostile):
    run = factories.run(ws)
    source = tmp_path / "f.txt"
    source.write_text("data")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "g.txt").write_text("g")
    out = tmp_path / "out"
    out.mkdir()
    calls = [
        lambda: run.upload_file(hostile, str(source)),
        lambda: run.upload_files([hostile], [str(source)]),
        lambda: run.upload_folder(hostile, str(folder)),
        lambda: run.download_file(hostile, out),
        lambda: run.download_files(prefix=hostile, output_directory=out),
        lambda: run.get_logs(hostile),
    ]
    for call in calls:
        with pytest.raises(InvalidInput):
            call()
    assert run.get_file_names() == []
    assert list(out.iterdir()) == []
    assert not (tmp_path.parent / "x").exists()
    run.complete()


def test_sdk_downloads_stay_inside_the_target_folder(ws, tmp_path):
    """Names stored on the server are relative, so downloads land under the target."""
    run = factories.run(ws)
    source = tmp_path / "f.txt"
    source.write_text("data")
    run.upload_file("outputs/deep/f.txt", str(source))
    out = tmp_path / "out"
    written = run.download_files(prefix="outputs/", output_directory=out)
    assert all(Path(p).resolve().is_relative_to(out.resolve()) for p in written)
    model = run.register_model("m", model_path="outputs/deep/f.txt")
    target = tmp_path / "model"
    path = model.download(target)
    assert Path(path).resolve().is_relative_to(target.resolve())
    run.complete()
