"""The README's main command as a new user runs it: no AWS, no database server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("meltano")]
ROOT = Path(__file__).resolve().parents[2]


def test_main_job_runs_against_the_simulator_into_an_embedded_postgres(tmp_path, installed_plugins):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "WFM_", "MELTANO_"))}
    env["WFM_OUTPUT_DIR"] = str(tmp_path / "output")
    env.pop("XDG_RUNTIME_DIR", None)  # as for root, in containers and in CI
    try:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("wfm-pipeline")), "run", "--live-seconds", "10", "--history-days", "1"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        out = result.stdout
        assert "Warning" not in result.stderr, "the main job's output carries a library's warning"
        assert "into an embedded PostgreSQL" in out
        assert "Contact volume per queue" in out and "Sales" in out
        assert "Agents now:" in out and "Adherence:" in out
        page = (tmp_path / "output" / "report.html").read_text()
        assert 'id="volume-chart"' in page and 'id="state-timeline"' in page
    finally:  # the embedded server keeps running between runs of the job: stop it
        subprocess.run(["pkill", "-f", str(tmp_path / "output" / "postgres")], check=False)
