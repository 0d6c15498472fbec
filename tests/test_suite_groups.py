"""The suite's xdist groups hold: tests marked `xdist_group` share one worker under `./wfm test`'s
`--dist loadgroup` (the image is built once, the end-to-end groups never run side by side).
pytest 9.2 silently broke this with pytest-xdist 3.8 (pytest-dev/pytest-xdist#1386): every
group ran spread over the workers and the image was built twice."""

from __future__ import annotations

import re
import subprocess
import sys


def test_a_group_runs_on_one_worker(tmp_path):
    (tmp_path / "test_grouped.py").write_text(
        "import pytest\n"
        "pytestmark = pytest.mark.xdist_group('one')\n"
        "@pytest.mark.parametrize('i', range(6))\n"
        "def test_member(i):\n"
        "    pass\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
                          "-o", "addopts=", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    workers = set(re.findall(r"\[(gw\d+)\] .*PASSED", run.stdout))
    assert len(workers) == 1, f"one group ran on {sorted(workers)}:\n{run.stdout[-2000:]}"
