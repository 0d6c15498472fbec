"""tap-connect-kinesis run as Meltano runs it (the executable, a config file) on settings it
cannot work with: one line naming the setting and the fix, exit code 2, no traceback, and
found when the tap starts, not when the first bad record arrives."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tck_helpers import TAP_BIN


def run(config: dict, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_CONNECT_KINESIS_") and k != "LOGLEVEL"}
    return subprocess.run([str(TAP_BIN), "--config", str(path), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def the_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if " ERROR " in line]
    assert len(errors) == 1 and errors[0] == lines[-1], result.stderr
    return errors[0]


def test_a_collection_interval_out_of_range_is_one_line(kinesis, tmp_path):
    line = the_error_line(run(kinesis.config("agents", collection_interval_seconds=0), tmp_path))
    assert line.endswith("collection_interval_seconds must be between 1 and 60 (got 0)")


def test_a_stream_that_does_not_exist_is_named_with_its_region(kinesis, tmp_path):
    line = the_error_line(run(kinesis.config("no-such-agent-events"), tmp_path))
    assert ("stream_name: Kinesis stream no-such-agent-events does not exist in region us-west-2 "
            "(ResourceNotFoundException): check stream_name and aws_region") in line


def test_an_unwritable_dead_letter_path_is_found_at_start(kinesis, tmp_path):
    stream = kinesis.stream(shards=1)  # empty: no bad record will ever ask for the file
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    config = kinesis.config(stream, dead_letter_path=str(not_a_folder / "dead-letters.jsonl"))
    result = run(config, tmp_path)
    line = the_error_line(result)
    assert f"dead_letter_path {not_a_folder / 'dead-letters.jsonl'} cannot be written" in line
    assert "set dead_letter_path to a file in a writable folder" in line
    assert '"type":"STATE"' not in result.stdout.replace(" ", "")  # nothing read: stopped before the loop
