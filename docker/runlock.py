"""The run lock: one `meltano run` per state ID at a time, whatever the container or host.

Meltano (4.4) refuses a run whose state ID has a run marked RUNNING in its system database
(meltano/core/block/extract_load.py, `run_with_job`) until that run's heartbeat is 5 minutes
old (meltano/core/job/job.py, HEARTBEAT_VALID_MINUTES): a run killed without ending its row
(SIGKILL, OOM, or PostgreSQL gone when Meltano writes FAIL) blocks its state ID for up to
5 minutes, and every restart meanwhile fails with "Another ... pipeline is already running".

This lock replaces that wait with a proof. The run holds a PostgreSQL session-level advisory
lock, one per state ID, in Meltano's own system database, for its whole life; the lock ends
with the session, so with the process (a SIGKILL closes its socket at once; a lost host is
noticed by the server's TCP keepalives, set to ~11 s on the session). A run that took the
lock may start only once it is sure that no other run of its state IDs is loading:

1. Holder side (`lost()`): the session is checked every second; if a check fails, or none has
   answered for LEASE seconds (WFM_RUN_LOCK_LEASE, default 5), the holder kills its whole
   pipeline at once (docker/graceful.py). So a pipeline never outlives its lock by more than
   LEASE seconds, even when the holder cannot reach the database.
2. Taker side (`acquire()`): after taking the lock it waits GRACE = LEASE + 2 seconds before
   starting, so that a previous holder whose session the server has just dropped (restart,
   failover, pg_terminate_backend, lost host) has killed its pipeline by then. Meanwhile it
   watches Meltano's `runs` rows of its state IDs left RUNNING: a heartbeat that moves (every
   second in a live Meltano run) is a live run that does not use this lock (someone's
   `meltano run` from a shell): it waits until that run ends. Rows whose heartbeat stood still
   for the whole grace are dead runs: they are marked FAIL, as Meltano itself does 5 minutes
   later, and Meltano's own check then passes; only if they cannot be marked does the run get
   `--force` (MELTANO_RUN_FORCE), which is safe because the lock is held and they are dead.

The state IDs are those Meltano will use, `<environment>:<extractor>-to-<loader>[:<suffix>]`
(meltano/core/block/extract_load.py, `generate_state_id`), worked out from the command line,
the environment and meltano.yml. WFM_RUN_LOCK=off turns the lock off (Meltano's own check only).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

NAMESPACE = "wfm-meltano-run:"
CHECK_INTERVAL = 1.0
# `meltano` options that take a value (the rest are flags), before and after `run`.
GLOBAL_OPTIONS_WITH_VALUE = {"--log-level", "--log-format", "--log-config", "--environment", "--cwd", "--env-file"}
RUN_OPTIONS_WITH_VALUE = {"--state-id-suffix", "--state-strategy", "--run-id", "--timeout"}

Log = Callable[[str], None]


def log_stderr(message: str) -> None:
    print(f"wfm-run-lock: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- state IDs

def _split_options(args: Sequence[str], with_value: set[str]) -> tuple[dict[str, str | bool], list[str]]:
    options: dict[str, str | bool] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            positional.extend(args[i + 1:])
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            name = name.replace("_", "-")
            if eq:
                options[name] = value
            elif name in with_value and i + 1 < len(args):
                options[name] = args[i + 1]
                i += 1
            else:
                options[name] = True
        elif arg.startswith("-") and len(arg) > 1:
            options[arg] = True  # -f (--force), -v, ...
        else:
            positional.append(arg)
        i += 1
    return options, positional


def _project_root(cwd_option: str | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    if cwd_option:
        return Path(cwd_option)
    if env.get("MELTANO_PROJECT_ROOT"):
        return Path(env["MELTANO_PROJECT_ROOT"])
    for folder in (cwd, *cwd.parents):
        if (folder / "meltano.yml").is_file():
            return folder
    return None


def _dotenv(path: Path) -> dict[str, str]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    found = {}
    for line in lines:
        key, eq, value = line.strip().removeprefix("export ").partition("=")
        if eq and key.strip() in ("MELTANO_ENVIRONMENT", "MELTANO_RUN_STATE_ID_SUFFIX"):
            found[key.strip()] = value.strip().strip("'\"")
    return found


def _task_blocks(tasks) -> list[str]:
    if isinstance(tasks, str):
        tasks = [tasks]
    names: list[str] = []
    for task in tasks or []:
        names.extend(" ".join(task).split() if isinstance(task, list) else str(task).split())
    return names


def state_ids(argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> list[str] | None:
    """The state IDs `argv` (a `meltano ... run ...` command line) will run under, sorted;
    None when it is not a `meltano run`, runs without an environment (no state), or meltano.yml
    cannot be read; [] when it has no extract-load block (a dbt step alone)."""
    if not argv or Path(argv[0]).name != "meltano" or "run" not in argv[1:]:
        return None
    at = list(argv).index("run", 1)
    global_options, before = _split_options(argv[1:at], GLOBAL_OPTIONS_WITH_VALUE)
    if before:  # another command (`meltano invoke ... run`)
        return None
    run_options, blocks = _split_options(argv[at + 1:], RUN_OPTIONS_WITH_VALUE)
    root = _project_root(global_options.get("--cwd"), env, cwd or Path.cwd())  # type: ignore[arg-type]
    if root is None:
        return None
    try:
        import yaml

        project = yaml.safe_load((root / "meltano.yml").read_text()) or {}
    except (OSError, ValueError, ImportError):
        return None
    dotenv = _dotenv(root / ".env")  # Meltano reads the project's .env after the environment
    env = {**dotenv, **env}
    environment = global_options.get("--environment") or env.get("MELTANO_ENVIRONMENT") \
        or project.get("default_environment")
    if global_options.get("--no-environment") or not environment or str(environment).lower() == "null":
        return None
    environments = {e.get("name"): e for e in project.get("environments") or []}
    suffix = run_options.get("--state-id-suffix") or env.get("MELTANO_RUN_STATE_ID_SUFFIX") \
        or environments.get(environment, {}).get("state_id_suffix")
    plugins = project.get("plugins") or {}
    extractors = {p["name"] for p in plugins.get("extractors") or []}
    loaders = {p["name"] for p in plugins.get("loaders") or []}
    jobs = {j["name"]: _task_blocks(j.get("tasks")) for j in project.get("jobs") or []}
    names: list[str] = []
    for block in blocks:
        names.extend(jobs.get(block, [block]))
    found: set[str] = set()
    extractor = None
    for name in names:
        if name in extractors:
            extractor = name
        elif name in loaders and extractor:
            found.add(":".join(str(c) for c in (environment, f"{extractor}-to-{name}", suffix) if c))
            extractor = None
    return sorted(found)


def lock_key(state_id: str) -> int:
    """The advisory lock's bigint key of a state ID."""
    return int.from_bytes(hashlib.sha256((NAMESPACE + state_id).encode()).digest()[:8], "big", signed=True)


# ---------------------------------------------------------------------------- the lock

class RunLock:
    def __init__(self, uri: str, state_ids: Sequence[str], lease: float = 5.0, log: Log = log_stderr):
        self.uri = uri
        self.state_ids = sorted(state_ids)
        self.keys = sorted(lock_key(s) for s in self.state_ids)
        self.lease = lease
        self.grace = lease + 2.0
        self.log = log
        self._engine = None
        self._conn = None
        self._watcher: threading.Thread | None = None
        self._stop_watching = threading.Event()
        self._last_ok = 0.0
        self._lost: str | None = None

    # -- connection
    def _connect(self):
        import sqlalchemy as sa

        if self._engine is None:
            name = f"wfm-run-lock {socket.gethostname()} pid {os.getpid()}"[:63]
            self._engine = sa.create_engine(
                self.uri, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT",
                connect_args={"connect_timeout": 5, "application_name": name, "keepalives": 1,
                              "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3})
        conn = self._engine.connect()
        # The server drops the session (and the lock) ~11 s after its client's host is gone,
        # not after the kernel's default of two hours; an idle-session timeout must not.
        for setting in ("tcp_keepalives_idle = 5", "tcp_keepalives_interval = 2", "tcp_keepalives_count = 3",
                        "tcp_user_timeout = 10000", "idle_session_timeout = 0"):
            with contextlib.suppress(Exception):
                conn.exec_driver_sql(f"set {setting}")
        return conn

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def _try_lock_all(self) -> bool:
        import sqlalchemy as sa

        taken = []
        for key in self.keys:
            if not self._conn.execute(sa.text("select pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                for held in taken:
                    self._conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": held})
                return False
            taken.append(key)
        return True

    def holders(self) -> list[str]:
        """Who holds the lock of one of the state IDs (what pg_stat_activity shows of them)."""
        import sqlalchemy as sa

        found = []
        for key in self.keys:
            unsigned = key & 0xFFFFFFFFFFFFFFFF
            rows = self._conn.execute(sa.text(
                "select a.application_name, a.client_addr, a.backend_start from pg_locks l "
                "join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and l.granted "
                "and l.database = (select oid from pg_database where datname = current_database()) "
                "and l.classid::bigint = :hi and l.objid::bigint = :lo and l.objsubid = 1"),
                {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF}).fetchall()
            found += [f"{r[0] or 'a session'} from {r[1] or 'a local socket'} since {r[2]:%Y-%m-%d %H:%M:%S}"
                      for r in rows]
        return found

    # -- Meltano's runs
    def _running_runs(self) -> dict[int, tuple]:
        """id → (job_name, started_at, last_heartbeat_at, payload) of the state IDs' RUNNING runs."""
        import sqlalchemy as sa

        if self._conn.execute(sa.text("select to_regclass('runs')")).scalar() is None:
            return {}  # Meltano has not created its tables yet
        query = sa.text("select id, job_name, started_at, last_heartbeat_at, payload from runs "
                        "where state = 'RUNNING' and job_name in :ids").bindparams(
            sa.bindparam("ids", expanding=True))
        return {r[0]: tuple(r[1:]) for r in self._conn.execute(query, {"ids": self.state_ids})}

    def _mark_failed(self, dead: Mapping[int, tuple]) -> bool:
        """Mark dead runs FAIL as Meltano's fail_stale_jobs does (only if their heartbeat still
        has not moved); False when one could not be marked."""
        import sqlalchemy as sa

        marked = True
        for run, (job_name, started_at, heartbeat, payload) in dead.items():
            try:
                data = json.loads(payload) if payload else {}
            except ValueError:
                data = {}
            data["error"] = ("No heartbeat and its run lock free: the process was killed "
                             "(marked by wfm-run-lock, which took the lock over).")
            try:
                updated = self._conn.execute(sa.text(
                    "update runs set state = 'FAIL', ended_at = :now, payload = :payload "
                    "where id = :id and state = 'RUNNING' and last_heartbeat_at is not distinct from :hb"),
                    {"now": datetime.now(UTC).replace(tzinfo=None), "payload": json.dumps(data), "id": run,
                     "hb": heartbeat}).rowcount
            except Exception as exc:
                self.log(f"could not mark run {run} of {job_name} failed ({reason(exc)})")
                marked = False
                continue
            if updated:
                self.log(f"run {run} of {job_name} (started {started_at} UTC, last heartbeat {heartbeat}) "
                         f"was killed: marked FAIL")
            else:
                marked = False
        return marked

    # -- the protocol
    def acquire(self, stopping: threading.Event) -> dict[str, str] | None:
        """Wait until this run may start; returns the environment to add to the run's
        (MELTANO_RUN_FORCE when dead runs could not be marked), None when `stopping` was set."""
        what = ", ".join(self.state_ids)
        waiting_since = time.monotonic()
        told = -1e9
        while not stopping.is_set():
            try:
                if self._conn is None:
                    self._conn = self._connect()
                if not self._try_lock_all():
                    if time.monotonic() - told >= 60:
                        holders = "; ".join(self.holders()) or "another session"
                        self.log(f"state ID {what} is running elsewhere ({holders}): waiting for it to end "
                                 f"(waited {time.monotonic() - waiting_since:.0f} s)")
                        told = time.monotonic()
                    stopping.wait(CHECK_INTERVAL)
                    continue
                ready = self._fence(stopping, what)
                if ready is not None:
                    return ready
            except Exception as exc:
                if not _is_database_error(exc):
                    self._close()
                    raise  # a URI Meltano could not use either: no point waiting
                # the database is away: wait for it, this is no failure of the run
                self._close()
                if time.monotonic() - told >= 60:
                    self.log(f"cannot take the run lock of {what}: {reason(exc)}; retrying")
                    told = time.monotonic()
                stopping.wait(CHECK_INTERVAL)
        self._close()
        return None

    def _fence(self, stopping: threading.Event, what: str) -> dict[str, str] | None:
        """With the lock held: wait out the grace, watching Meltano's RUNNING runs."""
        import sqlalchemy as sa

        self.log(f"holding the run lock of {what}; starting in {self.grace:.0f} s, once any previous "
                 f"holder is certainly stopped")
        before = self._running_runs()
        told_alive = False
        while True:
            deadline = time.monotonic() + self.grace
            while time.monotonic() < deadline:
                if stopping.wait(min(CHECK_INTERVAL, max(0.0, deadline - time.monotonic()))):
                    self._close()
                    return None
                self._conn.execute(sa.text("select 1"))
            after = self._running_runs()
            alive = {r: v for r, v in after.items() if before.get(r) != v}
            if not alive:
                break
            if not told_alive:
                self.log(f"run(s) {', '.join(map(str, alive))} of {what} are alive without the run lock "
                         f"(their heartbeat moves: a `meltano run` started otherwise): waiting for them to end")
                told_alive = True
            before = after
        extra: dict[str, str] = {}
        if after and not self._mark_failed(after):
            self.log("taking over with --force (MELTANO_RUN_FORCE): the lock is ours and those runs are dead")
            extra["MELTANO_RUN_FORCE"] = "true"
        sent = time.monotonic()
        self._conn.execute(sa.text("select 1"))
        self._last_ok = sent
        return extra

    def start_watch(self) -> None:
        """Check the session every second while the pipeline runs (see `lost`)."""
        self._lost = None
        self._stop_watching = threading.Event()
        self._watcher = threading.Thread(target=self._watch, args=(self._conn, self._stop_watching),
                                         name="wfm-run-lock", daemon=True)
        self._watcher.start()

    def _watch(self, conn, stop: threading.Event) -> None:
        while not stop.wait(CHECK_INTERVAL):
            sent = time.monotonic()
            try:
                conn.exec_driver_sql("select 1")  # the session is alive, so is its lock
            except Exception as exc:
                if not stop.is_set():
                    self._lost = f"its database session ended: {reason(exc)}"
                return
            self._last_ok = sent

    def lost(self) -> str | None:
        """Why the lock can no longer be counted on (the pipeline must stop now), or None."""
        if self._lost:
            return self._lost
        silent = time.monotonic() - self._last_ok
        if silent > self.lease:
            return f"no answer from the database for {silent:.0f} s"
        return None

    def release(self) -> None:
        """End the session, and so the lock (only once the pipeline has stopped)."""
        self._stop_watching.set()
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.join(timeout=2)
            if watcher.is_alive():  # stuck on a dead connection: leave it, the server drops it
                self._conn = None
                return
        self._close()


def _is_database_error(exc: BaseException) -> bool:
    """A connection or server error (worth waiting out), not a configuration error."""
    import sqlalchemy as sa

    return isinstance(exc, sa.exc.DBAPIError | sa.exc.ResourceClosedError | OSError)


def reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def for_command(argv: Sequence[str], env: Mapping[str, str], log: Log = log_stderr) -> RunLock | None:
    """The run lock a command needs: None when it is not a `meltano run` with state, when
    WFM_RUN_LOCK=off, or when Meltano's system database is not PostgreSQL."""
    if env.get("WFM_RUN_LOCK", "on").strip().lower() in ("off", "false", "0", "no"):
        return None
    ids = state_ids(argv, env)
    if not ids:
        return None
    uri = env.get("MELTANO_DATABASE_URI", "")
    if not uri.startswith("postgresql"):
        log(f"no run lock for {', '.join(ids)}: Meltano's system database is not PostgreSQL "
            f"(MELTANO_DATABASE_URI); Meltano's own check applies")
        return None
    lease = float(env.get("WFM_RUN_LOCK_LEASE") or 5)
    return RunLock(uri, ids, lease=max(lease, 2 * CHECK_INTERVAL), log=log)
