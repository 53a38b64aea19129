"""RunConfiguration as YAML, and ScriptRunConfig built from it."""

from __future__ import annotations

import pytest

from kuznia.errors import InvalidInput
from kuznia.sdk.script_run_config import RunConfiguration, ScriptRunConfig


def test_save_and_load_round_trip(tmp_path):
    config = RunConfiguration(script="train.py", arguments=["--lr", 0.1, "--epochs", 5, True],
                              environment_variables={"MODE": "fast"}, max_run_duration_seconds=600,
                              source_directory="src")
    path = config.save(tmp_path / "cfg" / "train.runconfig.yml")
    loaded = RunConfiguration.load(path)
    assert loaded.script == "train.py"
    assert loaded.arguments == ["--lr", 0.1, "--epochs", 5, True]
    assert loaded.environment_variables == {"MODE": "fast"} and loaded.max_run_duration_seconds == 600
    assert loaded.source_directory == str((tmp_path / "cfg" / "src").resolve())
    script = ScriptRunConfig.from_run_configuration(loaded)
    definition = script.definition()
    assert definition.arguments == ["--lr", 0.1, "--epochs", 5, True]
    assert definition.compute_target == "local"


def test_bad_files_are_clear_errors(tmp_path):
    (tmp_path / "a.yml").write_text("script: [unclosed")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        RunConfiguration.load(tmp_path / "a.yml")
    (tmp_path / "b.yml").write_text("script: x.py\ncolour: red\n")
    with pytest.raises(InvalidInput, match="unknown setting"):
        RunConfiguration.load(tmp_path / "b.yml")
    with pytest.raises(InvalidInput, match="cannot read"):
        RunConfiguration.load(tmp_path / "missing.yml")
    (tmp_path / "c.yml").write_text("script: x.py\narguments: [{a: 1}]\n")
    with pytest.raises(InvalidInput, match="arguments"):
        ScriptRunConfig(tmp_path, run_config=RunConfiguration.load(tmp_path / "c.yml")).definition()


def test_environment_variables_are_checked():
    config = ScriptRunConfig(".", "x.py")
    config.run_config.environment_variables["KUZNIA_RUN_ID"] = "spoof"
    with pytest.raises(InvalidInput, match="set by Kuźnia"):
        config.definition()
