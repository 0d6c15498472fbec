"""Run the dbt project in transform/ as a subprocess, isolated per test (own target path,
log path and database), so parallel test runs never collide."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "transform"
DBT = Path(sys.executable).with_name("dbt")


class DbtError(AssertionError):
    pass


def run_dbt(args: list[str], work_dir: Path, env: dict[str, str], check: bool = True,
            timeout: float | None = 600) -> subprocess.CompletedProcess:
    work_dir.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [str(DBT), *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
               "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
    result = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise DbtError(f"dbt {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-8000:]}\n{result.stderr[-3000:]}")
    return result


def postgres_env(db) -> dict[str, str]:
    return {"WFM_DBT_TARGET": "postgres", "WFM_PG_HOST": db.host, "WFM_PG_PORT": str(db.port),
            "WFM_PG_USER": db.user, "WFM_PG_DBNAME": db.database, "WFM_PG_SCHEMA": "public"}


def duckdb_env(path: Path) -> dict[str, str]:
    return {"WFM_DBT_TARGET": "duckdb", "WFM_DUCKDB_PATH": str(path)}
