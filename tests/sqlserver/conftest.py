"""Fixtures of the SQL Server checks that need no server (docs/sqlserver.md)."""

from __future__ import annotations

import fcntl
import pickle
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wfm_loader_sql as wl


@pytest.fixture(scope="session")
def loader_python() -> Path:
    return wl.install_loader()


@pytest.fixture(scope="session")
def loader_capture(loader_python, tmp_path_factory, worker_id):
    """The taps' streams (`--discover`) and the statements target-mssql sends for them, for both
    ways the Kinesis tap sends rows (BATCH, its default, and RECORD): made once per test run,
    by whichever worker asks first (xdist spreads these tests over its workers)."""
    root = wl.shared_dir(tmp_path_factory, worker_id)
    work = root / "loader-sql"
    with (root / "loader-sql.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = work / "capture.pickle"
        if not done.exists():
            work.mkdir(exist_ok=True)
            streams = wl.discover(work)
            captured = {kinesis_as: wl.capture(loader_python, wl.singer_messages(streams, work, kinesis_as),
                                               work / kinesis_as)
                        for kinesis_as in ("batch", "record")}
            done.write_bytes(pickle.dumps((streams, captured)))
        return pickle.loads(done.read_bytes())


@pytest.fixture(scope="session")
def tap_streams(loader_capture) -> dict[str, wl.Stream]:
    return loader_capture[0]


@pytest.fixture(scope="session")
def loader_sql(loader_capture) -> dict[str, tuple[list[wl.Statement], list[str]]]:
    return loader_capture[1]
