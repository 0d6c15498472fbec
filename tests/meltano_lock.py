"""One `meltano install` at a time on this project's .meltano, whatever the test workers and
test folders (tests/e2e, tests/sqlserver): two at once would trip over each other's virtualenvs."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def project_lock():
    lock_path = Path(tempfile.gettempdir()) / f"wfm-e2e-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]}.lock"
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
