"""Files of a run, on every backend × database."""

from __future__ import annotations

import io
import os

import pytest

from kuznia.errors import Conflict, InvalidInput, NotFound
from tests import factories

HOSTILE_NAMES = [
    "../escape.txt",
    "a/../../escape.txt",
    "/etc/passwd",
    "C:/windows/x",
    "a\\..\\b",
    "a/./b",
    "a//b",
    "nul\x00byte",
    "x" * 300,
    "",
]


def test_upload_download_and_list(ws, tmp_path):
    run = factories.run(ws)
    src = tmp_path / "model.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024 + 7))  # several chunks
    run.upload_file("outputs/model.bin", src)
    run.upload_file("notes/readme.txt", io.BytesIO(b"hello"))
    assert run.get_file_names() == ["notes/readme.txt", "outputs/model.bin"]
    assert run.get_file_names("outputs/") == ["outputs/model.bin"]
    out = run.download_file("outputs/model.bin", tmp_path / "copy.bin")
    assert out.read_bytes() == src.read_bytes()
    os.chdir(tmp_path)
    assert run.download_file("notes/readme.txt").read_bytes() == b"hello"


def test_upload_folder_and_download_files(ws, tmp_path):
    run = factories.run(ws)
    folder = tmp_path / "out"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    outside = tmp_path / "secret.txt"
    outside.write_text("do not upload")
    (folder / "link").symlink_to(outside)
    run.upload_folder("outputs", folder)
    assert run.get_file_names() == ["outputs/a.txt", "outputs/sub/b.txt"]
    written = run.download_files(prefix="outputs/", output_directory=tmp_path / "dl")
    assert sorted(p.relative_to(tmp_path / "dl").as_posix() for p in written) == [
        "outputs/a.txt", "outputs/sub/b.txt"
    ]
    run.download_files(prefix="outputs/", output_directory=tmp_path / "flat", append_prefix=False)
    assert (tmp_path / "flat" / "sub" / "b.txt").read_text() == "b"


def test_same_content_is_stored_once(ws, tmp_path):
    first = factories.run(ws)
    second = factories.run(ws)
    data = os.urandom(1024)
    a = first.upload_file("x.bin", io.BytesIO(data))
    b = second.upload_file("y.bin", io.BytesIO(data))
    assert a.digest == b.digest


def test_names_are_unique_per_run_unless_overwritten(ws):
    run = factories.run(ws)
    run.upload_file("f.txt", io.BytesIO(b"1"))
    with pytest.raises(Conflict, match="already has a file"):
        run.upload_file("f.txt", io.BytesIO(b"2"))
    run.upload_file("f.txt", io.BytesIO(b"3"), overwrite=True)
    buf = io.BytesIO()
    ws._backend.download_file(ws.name, run.id, "f.txt", buf)
    assert buf.getvalue() == b"3"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_refused(ws, name):
    run = factories.run(ws)
    with pytest.raises(InvalidInput):
        run.upload_file(name, io.BytesIO(b"x"))
    with pytest.raises(InvalidInput):
        ws._backend.upload_file(ws.name, run.id, name, io.BytesIO(b"x"))
    assert run.get_file_names() == []


def test_missing_files_and_runs(ws, tmp_path):
    run = factories.run(ws)
    with pytest.raises(NotFound):
        run.download_file("nope.txt", tmp_path / "x")
    assert not (tmp_path / "x").exists()
    with pytest.raises(InvalidInput, match="not a file"):
        run.upload_file("a.txt", tmp_path / "missing.txt")
    with pytest.raises(NotFound):
        ws._backend.upload_file(ws.name, "no_such_run", "a.txt", io.BytesIO(b"x"))
