"""`./wfm` as people use it: help, and stopping this checkout's embedded PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
WFM = str(ROOT / "wfm")


def test_help_prints_the_help_only_and_no_colour_codes_into_a_pipe():
    result = subprocess.run([WFM, "help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "One entry point for people and CI."
    assert any(line.strip().startswith("./wfm stop") for line in lines)
    assert "set -euo" not in result.stdout and "\x1b" not in result.stdout + result.stderr


def _start_embedded(output_dir: Path) -> int:
    """An embedded server in output_dir/postgres, as the main job starts it (and leaves it running)."""
    script = textwrap.dedent(f"""
        from pathlib import Path
        from wfm_pipeline.embedded_postgres import embedded_warehouse
        with embedded_warehouse(Path({str(output_dir / "postgres")!r})) as env:
            pass
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFM_")}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120, capture_output=True)
    return int((output_dir / "postgres" / "postmaster.pid").read_text().splitlines()[0])


def _stop(output_dir: Path) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("WFM_")}, "WFM_OUTPUT_DIR": str(output_dir)}
    return subprocess.run([WFM, "stop"], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_stop_stops_this_checkouts_embedded_server_by_its_pid_and_no_other(tmp_path):
    ours, other = tmp_path / "ours" / "output", tmp_path / "other" / "output"
    ours.mkdir(parents=True)
    other.mkdir(parents=True)
    our_pid, other_pid = _start_embedded(ours), _start_embedded(other)
    try:
        result = _stop(ours)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"Stopped the embedded PostgreSQL in {ours / 'postgres'} (PID {our_pid})."
        assert not psutil.pid_exists(our_pid) or psutil.Process(our_pid).status() == psutil.STATUS_ZOMBIE
        assert psutil.Process(other_pid).is_running(), "another checkout's server keeps running"

        again = _stop(ours)
        assert again.returncode == 0 and "No embedded PostgreSQL is running" in again.stdout
    finally:
        _stop(other)
        _stop(ours)
    assert not psutil.pid_exists(other_pid) or psutil.Process(other_pid).status() == psutil.STATUS_ZOMBIE
