"""tap-amazon-connect run as Meltano runs it (the executable, a config file) on settings it
cannot work with: one line naming the setting and the fix, exit code 2, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

TAP = Path(sys.executable).with_name("tap-amazon-connect")


def run(config: dict, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("TAP_AMAZON_CONNECT_", "AWS_")) and k != "LOGLEVEL"}
    return subprocess.run([str(TAP), "--config", str(path), *args], cwd=tmp_path, env={**clean, **env},
                          capture_output=True, text=True, timeout=300)


def the_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if " ERROR " in line]
    assert len(errors) == 1 and errors[0] == lines[-1], result.stderr
    return errors[0]


KEYS = {"aws_access_key_id": "AKIDTEST", "aws_secret_access_key": "x", "aws_region": "us-west-2"}


def test_a_negative_api_quota_is_one_line(tmp_path):
    line = the_error_line(run({**KEYS, "api_quotas": {"ListUsers": -1}}, tmp_path))
    assert line.endswith("api_quotas: ListUsers cannot be negative (0 turns client-side pacing off)")


def test_a_start_date_that_is_not_a_date_is_one_line(tmp_path):
    line = the_error_line(run({**KEYS, "start_date": "yesterday"}, tmp_path, "--discover"))
    assert "start_date must be an ISO 8601 date or date-time" in line and "'yesterday'" in line


def test_no_credentials_anywhere_is_one_line_before_any_stream(tmp_path):
    config = {"aws_region": "us-west-2", "aws_endpoint_url": "http://127.0.0.1:9"}
    line = the_error_line(run(config, tmp_path, AWS_EC2_METADATA_DISABLED="true",
                              AWS_CONFIG_FILE=str(tmp_path / "none"),
                              AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none")))
    assert "no AWS credentials found: set aws_access_key_id and aws_secret_access_key" in line


def test_a_start_date_in_the_future_is_a_warning_and_the_run_goes_on(simulated_centre, tmp_path):
    centre = simulated_centre(hours=1, agents_per_instance=3, standard_queues_per_instance=1)
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=7, second=0, microsecond=0)
    config = {**KEYS, "aws_endpoint_url": centre.url, "api_quotas": {"*": 0}, "start_date": start.isoformat()}
    result = run(config, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "start_date" in line and " WARNING " in line]
    # The first interval from 10:07 is 10:15-10:30; read 5 minutes (settle_minutes) after it closes.
    readable = start.replace(minute=35).isoformat()
    assert f"is in the future: no interval can be read until {readable}" in warning
    records = [json.loads(line) for line in result.stdout.splitlines() if '"RECORD"' in line]
    assert not [r for r in records if r["stream"] == "queue_interval_metrics"]
    assert [r for r in records if r["stream"] == "queues"]  # the rest of the run went on
