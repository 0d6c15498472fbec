"""Both taps' command lines on bad input (wfm_aws.tap_cli): one line naming the file or
setting and the fix, exit code 2, no traceback; the traceback only with --log-level debug.
Each test runs the real executable, as Meltano does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
CONFIGS = {
    "tap-amazon-connect": {"aws_access_key_id": "AKIDTEST", "aws_secret_access_key": "x", "aws_region": "us-west-2"},
    "tap-connect-kinesis": {"aws_access_key_id": "AKIDTEST", "aws_secret_access_key": "x", "aws_region": "us-west-2",
                            "stream_name": "agent-events"},
}
TAPS = list(CONFIGS)


def run(tap: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TAP_AMAZON_CONNECT_", "TAP_CONNECT_KINESIS_", "AWS_")) and k != "LOGLEVEL"}
    return subprocess.run([str(BIN / tap), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def the_error_line(result: subprocess.CompletedProcess) -> str:
    """The one ERROR line (the last of stderr), after checking exit code 2 and no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if " ERROR " in line]
    assert len(errors) == 1 and errors[0] == lines[-1], result.stderr
    return errors[0]


def write(path: Path, content: object) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.mark.parametrize("tap", TAPS)
def test_a_config_file_that_is_not_json_is_named_with_line_and_column(tap, tmp_path):
    config = write(tmp_path / "config.json", '{\n  "aws_region": "us-west-2",\n}\n')
    line = the_error_line(run(tap, "--config", str(config), cwd=tmp_path))
    assert f"config file {config} is not JSON: line 3, column 1" in line


@pytest.mark.parametrize("tap", TAPS)
def test_a_missing_config_file_is_named(tap, tmp_path):
    line = the_error_line(run(tap, "--config", str(tmp_path / "nowhere.json"), cwd=tmp_path))
    assert f"config file {tmp_path / 'nowhere.json'} does not exist" in line


@pytest.mark.parametrize("tap", TAPS)
@pytest.mark.parametrize(("state", "says"), [
    ("{'bookmarks': {}}", "is not JSON: line 1, column 2"),
    ("", "is empty"),
    ('{"bookmarks": ["agent_events"]}', '"bookmarks" must map each stream to an object'),
])
def test_a_garbage_state_file_is_named(tap, state, says, tmp_path):
    config = write(tmp_path / "config.json", CONFIGS[tap])
    state_file = write(tmp_path / "state.json", state)
    line = the_error_line(run(tap, "--config", str(config), "--state", str(state_file), cwd=tmp_path))
    assert f"state file {state_file} " in line and says in line


@pytest.mark.parametrize("tap", TAPS)
def test_a_setting_of_the_wrong_type_is_named_with_what_it_must_be(tap, tmp_path):
    config = write(tmp_path / "config.json", {**CONFIGS[tap], "aws_max_attempts": "many"})
    line = the_error_line(run(tap, "--config", str(config), cwd=tmp_path))
    assert "aws_max_attempts must be a whole number, not 'many'" in line


@pytest.mark.parametrize("tap", TAPS)
def test_discover_with_an_invalid_config_exits_2(tap, tmp_path):
    config = write(tmp_path / "config.json", {**CONFIGS[tap], "aws_region": "USWest9"})
    result = run(tap, "--config", str(config), "--discover", cwd=tmp_path)
    line = the_error_line(result)
    assert "aws_region 'USWest9' is not an AWS region" in line
    assert result.stdout == ""  # no catalog


@pytest.mark.parametrize(("tap", "typo", "meant"), [("tap-amazon-connect", "instance_idz", "instance_ids"),
                                                    ("tap-connect-kinesis", "stream_nmae", "stream_name")])
def test_an_unknown_setting_is_a_warning_with_the_closest_name(tap, typo, meant, tmp_path):
    config = write(tmp_path / "config.json", {**CONFIGS[tap], typo: "x"})
    result = run(tap, "--config", str(config), "--discover", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["streams"]
    [warning] = [line for line in result.stderr.splitlines() if typo in line]
    assert " WARNING " in warning and f"did you mean {meant}?" in warning


@pytest.mark.parametrize("tap", TAPS)
def test_log_level_debug_adds_the_traceback_before_the_line(tap, tmp_path):
    config = write(tmp_path / "config.json", {**CONFIGS[tap], "aws_max_attempts": "many"})
    result = run(tap, "--config", str(config), "--log-level", "debug", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("aws_max_attempts must be a whole number, not 'many'")
