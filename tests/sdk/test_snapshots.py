"""Building snapshots: ignore rules, limits, links, the hash cache."""

from __future__ import annotations

import os

import pytest

from kuznia.blobs.snapshots import (
    HashCache,
    SnapshotLimits,
    build_manifest,
    check_limits,
    walk_source,
)
from kuznia.errors import InvalidInput
from tests import factories


def paths(root) -> list[str]:  # noqa: ANN001
    return sorted(f.path for f in walk_source(root))


def test_amlignore_wins_over_gitignore(tmp_path):
    src = factories.source_folder(tmp_path, {
        ".gitignore": "*.txt\n", ".amlignore": "*.csv\n",
        "a.txt": "", "b.csv": "", "c.py": "",
    })
    assert paths(src) == [".amlignore", ".gitignore", "a.txt", "c.py"]


def test_kuzniaignore_is_an_alias_of_amlignore(tmp_path):
    src = factories.source_folder(tmp_path, {".gitignore": "*.txt\n", ".kuzniaignore": "*.csv\n",
                                             "a.txt": "", "b.csv": ""})
    assert paths(src) == [".gitignore", ".kuzniaignore", "a.txt"]


def test_gitignore_applies_without_amlignore(tmp_path):
    src = factories.source_folder(tmp_path, {".gitignore": "data/\n*.log\n", "data/x.bin": "", "run.py": "",
                                             "sub/debug.log": "", "sub/keep.py": ""})
    assert paths(src) == [".gitignore", "run.py", "sub/keep.py"]


def test_negation_and_anchors(tmp_path):
    src = factories.source_folder(tmp_path, {
        ".amlignore": "*.log\n!important.log\n/top.txt\n",
        "a.log": "", "important.log": "", "top.txt": "", "sub/top.txt": "", "sub/b.log": "",
    })
    assert paths(src) == [".amlignore", "important.log", "sub/top.txt"]


def test_nested_ignore_files_apply_below_their_folder(tmp_path):
    src = factories.source_folder(tmp_path, {
        ".amlignore": "*.tmp\n",
        "models/.amlignore": "*.ckpt\n!best.ckpt\n",
        "models/a.ckpt": "", "models/best.ckpt": "", "models/x.tmp": "",
        "other/a.ckpt": "",
    })
    assert paths(src) == [".amlignore", "models/.amlignore", "models/best.ckpt", "other/a.ckpt"]


def test_git_folders_and_workspace_stores_are_never_included(tmp_path):
    src = factories.source_folder(tmp_path, {".git/config": "", ".kuznia/config.json": "{}",
                                             "store/kuznia.db": "", "store/blobs/x": "", "run.py": ""})
    assert paths(src) == ["run.py"]


def test_links_out_of_the_tree_are_not_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("private")
    src = factories.source_folder(tmp_path / "src", {"run.py": "", "inner.txt": "in"})
    (src / "leak.txt").symlink_to(outside)
    (src / "alias.txt").symlink_to(src / "inner.txt")
    (src / "dirlink").symlink_to(tmp_path)
    assert paths(src) == ["alias.txt", "inner.txt", "run.py"]


def test_modes_are_kept(tmp_path):
    src = factories.source_folder(tmp_path, {"run.sh": "#!/bin/sh\n"})
    (src / "run.sh").chmod(0o755)
    (entry,) = build_manifest(list(walk_source(src)), None)
    assert entry.mode == 0o755


def test_limits_name_the_largest_files(tmp_path):
    src = factories.source_folder(tmp_path, {"small.py": "x", "big.bin": "x" * 5000, "mid.bin": "x" * 3000})
    files = list(walk_source(src))
    with pytest.raises(InvalidInput) as caught:
        check_limits(files, SnapshotLimits(max_bytes=4000, max_files=100), src)
    message = str(caught.value)
    assert "big.bin" in message and message.index("big.bin") < message.index("mid.bin")
    assert ".amlignore" in message
    with pytest.raises(InvalidInput, match="3 files, over the limit of 2"):
        check_limits(files, SnapshotLimits(max_bytes=10**9, max_files=2), src)


def test_over_limit_submit_creates_nothing(ws, tmp_path, monkeypatch):
    from kuznia.sdk.script_run_config import ScriptRunConfig

    monkeypatch.setenv("KUZNIA_SNAPSHOT_MAX_FILES", "3")
    src = factories.source_folder(tmp_path / "src", {f"f{i}.py": str(i) for i in range(5)})
    exp = factories.experiment(ws)
    with pytest.raises(InvalidInput, match="5 files, over the limit of 3"):
        exp.submit(ScriptRunConfig(src, "f0.py"))
    assert list(exp.get_runs()) == []
    digests = [e.digest for e in build_manifest(list(walk_source(src)), None)]
    assert ws._backend.missing_blobs(ws.name, digests) == digests  # nothing was uploaded


def test_the_hash_cache_skips_unchanged_files(tmp_path, monkeypatch):
    src = factories.source_folder(tmp_path / "src", {"a.py": "a", "b.py": "b"})
    cache_dir = tmp_path / "cache"
    first = build_manifest(list(walk_source(src)), cache := HashCache(cache_dir, src))
    cache.save()
    hashed: list[str] = []
    import kuznia.blobs.snapshots as module

    real = module.hash_file
    monkeypatch.setattr(module, "hash_file", lambda p: (hashed.append(os.path.basename(p)), real(p))[1])
    again = build_manifest(list(walk_source(src)), HashCache(cache_dir, src))
    assert hashed == [] and [e.digest for e in again] == [e.digest for e in first]
    (src / "a.py").write_text("changed")
    os.utime(src / "a.py", ns=(1, 1))
    build_manifest(list(walk_source(src)), HashCache(cache_dir, src))
    assert hashed == ["a.py"]


def test_bad_file_names_in_the_source_are_reported(tmp_path):
    src = factories.source_folder(tmp_path, {"ok.py": ""})
    (src / "bad\\name.py").write_text("")
    with pytest.raises(InvalidInput, match="bad"):
        paths(src)


def test_a_snapshot_pauses_full_collections_but_keeps_what_the_application_froze():
    import gc

    from kuznia.blobs.snapshots import older_objects_frozen

    gc.freeze()  # as a pre-forking server does
    try:
        with older_objects_frozen():
            pass
        assert gc.get_freeze_count() > 0  # still frozen (objects freed meanwhile leave the count)
    finally:
        gc.unfreeze()
    with older_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
