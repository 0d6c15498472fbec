"""This project's pipeline as deployed, for the benchmarks that measure it whole: the simulated
contact centre, the project's own Meltano (`--environment dev`) against a database of its own
on the PostgreSQL at 127.0.0.1:5432 (WFM_TEST_PG_* override), and CPU meters per component."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]
MELTANO = str(Path(sys.executable).with_name("meltano"))
PG = {"host": os.environ.get("WFM_TEST_PG_HOST", "127.0.0.1"), "port": int(os.environ.get("WFM_TEST_PG_PORT", "5432")),
      "user": os.environ.get("WFM_TEST_PG_USER", "postgres")}


def log(message: str) -> None:
    print(f"{datetime.now():%H:%M:%S} {message}", flush=True)


class TreeCpu:
    """user + sys seconds of a process and every descendant, alive or ended (a parent's children
    times hold what its waited-for children spent)."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)

    def seconds(self) -> float:
        total = 0.0
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
            if process is self.root:
                total += times.children_user + times.children_system
        return total


class OtherDatabases(threading.Thread):
    """Samples, once a second, whether another database of the server runs a query: the
    PostgreSQL figure is the whole server's, so it holds only when nothing else ran."""

    def __init__(self, connect) -> None:
        super().__init__(daemon=True)
        self.connect, self.samples, self.busy = connect, 0, 0
        self.stopping = threading.Event()

    def run(self) -> None:
        with self.connect() as connection:
            connection.autocommit = True
            while not self.stopping.wait(1):
                running = connection.execute(
                    "select count(*) from pg_stat_activity where state = 'active' and datname is not null "
                    "and datname <> current_database()").fetchone()[0]
                self.samples += 1
                self.busy += running > 0

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)

    @property
    def busy_share(self) -> float:
        return self.busy / self.samples if self.samples else 0.0


def unclean_note(shares: dict[str, float]) -> list[str]:
    """The table's closing line when another database ran queries during a measurement
    (`shares`: what was measured → OtherDatabases.busy_share), else nothing."""
    busy = {what: share for what, share in shares.items() if share > 0.02}
    if not busy:
        return []
    return ["", "Not a clean measurement: another database of the server ran queries during "
            + ", ".join(f"{share:.0%} of the {what}" for what, share in busy.items())
            + " (PostgreSQL's figure includes them)."]


class Deployment:
    """A database of its own, and the Meltano processes started against it (each in its own
    process group, stopped with SIGTERM, then SIGKILL)."""

    def __init__(self, name: str, work: Path) -> None:
        self.work = work
        self.database = f"wfm_{name}_{uuid.uuid4().hex[:6]}"
        self.processes: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Deployment:
        with self.admin() as admin:
            admin.execute(f'create database "{self.database}"')
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()
        with self.admin() as admin:
            admin.execute(f'drop database if exists "{self.database}" with (force)')

    @staticmethod
    def admin():
        return psycopg.connect(dbname="postgres", autocommit=True, **PG)

    def connect(self):
        return psycopg.connect(dbname=self.database, **PG)

    def postmaster_pid(self) -> int:
        with self.connect() as connection:  # asked while the backend is alive
            backend = connection.execute("select pg_backend_pid()").fetchone()[0]
            return psutil.Process(backend).ppid()

    def env(self, endpoints, **settings: str) -> dict[str, str]:
        """The environment of a Meltano process: the taps read the simulator, everything else this
        deployment's database; Meltano's system database in it too, and a .meltano of its own
        for run files and logs (the plugins are the project's installed ones)."""
        start = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        sys_dir = self.work / "meltano-sys"
        sys_dir.mkdir(exist_ok=True)
        for kind in ("extractors", "loaders", "utilities", "transformers", "mappers"):
            if (ROOT / ".meltano" / kind).exists() and not (sys_dir / kind).exists():
                (sys_dir / kind).symlink_to(ROOT / ".meltano" / kind)
        url = f"postgresql+psycopg://{PG['user']}@{PG['host']}:{PG['port']}/{self.database}"
        return {**os.environ, **endpoints.tap_env(start, live_seconds=86400),
                "WFM_PG_HOST": PG["host"], "WFM_PG_PORT": str(PG["port"]), "WFM_PG_USER": PG["user"],
                "WFM_PG_PASSWORD": "unused-with-trust-auth", "WFM_PG_DBNAME": self.database,
                "MELTANO_DATABASE_URI": url, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                "DBT_TARGET_PATH": str(self.work / "dbt-target"), "DBT_LOG_PATH": str(self.work / "dbt-logs"),
                "MELTANO_SYS_DIR_ROOT": str(sys_dir), **settings}

    def meltano(self, env: dict[str, str], *args: str) -> None:
        """`meltano <args>` to its end; its output in work/<first two args>.log."""
        name = "-".join(args[:2]).replace(":", "-")
        with (self.work / f"{name}.log").open("w") as out:
            result = subprocess.run([MELTANO, "--environment", "dev", *args], cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        if result.returncode:
            raise SystemExit(f"meltano {' '.join(args)} failed ({result.returncode}):\n"
                             + "\n".join(self.log_text(name).splitlines()[-30:]))

    def start(self, name: str, env: dict[str, str], *args: str) -> subprocess.Popen:
        out = (self.work / f"{name}.log").open("w")
        process = subprocess.Popen([MELTANO, "--environment", "dev", *args], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def stop(self, name: str) -> None:
        """SIGTERM to a started process's group (it ends as it does in a container)."""
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log_text(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for(self, condition, what: str, timeout_s: float) -> None:
        """Until condition() holds; ends the benchmark if a started process ends first."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise SystemExit(f"{name} ended ({process.returncode}) before {what}:\n"
                                     + "\n".join(self.log_text(name).splitlines()[-30:]))
            if condition():
                return
            time.sleep(1)
        raise SystemExit(f"no {what} within {timeout_s:.0f} s; logs in {self.work}")


def replace_docs_section(docs: Path, section: str, body: str) -> None:
    """Replace the `section` heading's text in docs (up to the next `## `), or append it."""
    text = docs.read_text()
    if section in text:
        start = text.index(section)
        end = text.find("\n## ", start + len(section))
        text = text[:start] + (body.rstrip("\n") + "\n\n" + text[end + 1:] if end != -1 else body)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    docs.write_text(text)
