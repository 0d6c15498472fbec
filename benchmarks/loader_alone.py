"""The loader alone: target-postgres reading the Kinesis tap's output of a backlog, the shipped
design against the one before (both snapshots kept whole in every row) and against a loader that
passes the JSON through (a prototype).

    .venv/bin/python benchmarks/loader_alone.py                      # 5,000 agents, 30 minutes
    .venv/bin/python benchmarks/loader_alone.py --agents 500 --hours 1 --write-docs

The catch-up (benchmarks/catchup.py) runs the tap, the target, PostgreSQL and moto on the same
cores; this one takes the target apart. The simulated centre puts `--hours` of agent events
into its local Kinesis; `meltano invoke tap-connect-kinesis` (as shipped: BATCH messages,
stop_when_caught_up) reads them into a file of Singer messages, its batch files kept, once for
each set of tap settings a design needs (agent_snapshots, the earlier contacts schema). Then
target-postgres (the project's installed plugin, meltano.yml's settings) reads its design's
file into a new database for each design
(catchup.DESIGNS), `--runs` times each, alternating, and beside them `benchmarks/sql_loader.py`
(a prototype, not shipped: the batch files' JSON lines COPYed to PostgreSQL as they are, the
rows made in SQL, one INSERT … ON CONFLICT per file): what loading would cost if the loader
passed the JSON through instead of parsing and re-serialising it. Every run must store the same
rows as the models read them (a digest of the contract columns of every row, each snapshot
column as whether it is null, contacts as its JSON array, collected_at left out: each read has
its own), and the runs of the same tap settings exactly the same rows.
Measured per run:
  wall         from the loader's start to its end (start-up, reading the batch files, loading)
  loader CPU   user + sys of the loader's process, start-up included
  PostgreSQL   user + sys of the whole server over the run (other databases' queries sampled
               and reported, as in catchup.py)
  peak RSS     the loader's
The table gives the median run of each design by CPU (of an even number, the costlier of the
middle two); every run must load the same number of distinct events.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from catchup import DESIGNS, SHIPPED, shards_for
from deployment import (
    MELTANO,
    PG,
    ROOT,
    Deployment,
    OtherDatabases,
    TreeCpu,
    log,
    replace_docs_section,
    unclean_note,
)
from psycopg import sql
from wfm_pipeline.simulator_service import SimulatorService

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Catch-up: the loader alone"
TARGET = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
PROTOTYPE = ("JSON lines passed to PostgreSQL, rows made in SQL (sql_loader.py, prototype), snapshots left out, "
             "contacts one jsonb")
TAP = "TAP_CONNECT_KINESIS_"
# design → its settings (catchup.DESIGNS); the prototype reads the shipped tap's output
LOADERS = {**DESIGNS, PROTOTYPE: {k: v for k, v in DESIGNS[SHIPPED].items() if k.startswith(TAP)}}


def tap_settings(design: str) -> tuple[tuple[str, str], ...]:
    """The design's tap settings: the designs with the same read the same captured output."""
    return tuple(sorted((k, v) for k, v in LOADERS[design].items() if k.startswith(TAP)))


@dataclass
class Run:
    design: str
    events: int
    wall_s: float
    loader_s: float
    postgres_s: float
    peak_rss_mb: float
    others_busy: float
    content: str  # a digest of every stored row's contract columns (the _sdc_ ones left out)
    content_read: str  # the same, comparable across reads and agent_snapshots (stored_rows_digest)


def backlog_service(agents: int, hours: float, work: Path) -> SimulatorService:
    """The simulated centre with `hours` of its agents' events in its Kinesis (moto) when it opens,
    its clock all but stopped once it opens (a simulated second in 11 days), so that the stream
    holds the backlog only and every read of it gives the same events."""
    shards = shards_for(agents)
    log(f"[{agents} agents] the simulated centre puts {hours:g} h of agent events into Kinesis ({shards} shards)")
    return SimulatorService(work / "simulator.log", history_days=max(0.25, hours / 24 + 0.05), backlog_hours=hours,
                            agents=agents, seed=5, shards=shards, start_timeout_s=3600, speed=1e-6)


def capture(agents: int, hours: float, work: Path) -> dict[tuple, Path]:
    """The tap's messages for the backlog, for each tap_settings the loaders need, in
    work/tap-<n>.out (their batch files beside them): each a read of the same stream."""
    service = backlog_service(agents, hours, work)
    outputs = {}
    with service as endpoints, Deployment(f"loader_capture_{agents}", work) as deployment:
        for number, settings in enumerate(sorted({tap_settings(design) for design in LOADERS})):
            env = deployment.env(endpoints, TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP="true",
                                 TAP_CONNECT_KINESIS_BATCH_DIRECTORY=str(work / f"batches-{number}"),
                                 TAP_CONNECT_KINESIS_BATCH_FILE_RETENTION_SECONDS="86400", **dict(settings))
            log(f"[{agents} agents] the tap reads the stream ({', '.join(f'{k}={v}' for k, v in settings)})")
            messages = outputs[settings] = work / f"tap-{number}.out"
            with messages.open("wb") as out, (work / "tap.log").open("ab") as err:
                subprocess.run([MELTANO, "--environment", "dev", "invoke", "tap-connect-kinesis"], cwd=ROOT,
                               env=env, stdout=out, stderr=err, check=True)
    return outputs


def target_config(work: Path, database: str, settings: dict[str, str]) -> Path:
    """meltano.yml's target-postgres settings, as Meltano resolves them, against `database`
    (the password is masked in print: trust authentication here)."""
    env = {**os.environ, "WFM_PG_HOST": PG["host"], "WFM_PG_PORT": str(PG["port"]), "WFM_PG_USER": PG["user"],
           "WFM_PG_PASSWORD": "unused-with-trust-auth", "WFM_PG_DBNAME": database, "WFM_RAW_SCHEMA": "raw",
           **settings}
    printed = subprocess.run([MELTANO, "--environment", "dev", "config", "print", "target-postgres"], cwd=ROOT,
                             env=env, capture_output=True, text=True, check=True)
    path = work / f"{database}.json"
    path.write_text(printed.stdout)
    return path


def stored_rows_digest(connection, across_reads: bool = False) -> str:
    """md5 of every stored row's contract columns; `across_reads`: comparable between two reads
    of the stream (collected_at, when the tap read the record, left out) and between
    agent_snapshots settings (each snapshot column reduced to whether it is null, all the models
    read of them) and between contacts as jsonb[] and as jsonb (to_jsonb of either: the JSON
    array)."""
    columns = [row[0] for row in connection.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = 'agent_events' and column_name not like '\\_sdc\\_%' order by column_name")]
    if across_reads:
        columns.remove("collected_at")
    values = [sql.SQL("{} is null").format(sql.Identifier(c)) if across_reads and c.endswith("_snapshot")
              else sql.SQL("to_jsonb({})").format(sql.Identifier(c)) if across_reads and c == "contacts"
              else sql.Identifier(c) for c in columns]
    query = sql.SQL("select md5(string_agg(row({})::text, E'\\n' order by event_id)) from raw.agent_events").format(
        sql.SQL(", ").join(values))
    return connection.execute(query).fetchone()[0]


def loader_command(design: str, work: Path, database: str) -> list[str]:
    if design == PROTOTYPE:
        dsn = f"host={PG['host']} port={PG['port']} user={PG['user']} dbname={database}"
        return [sys.executable, str(Path(__file__).with_name("sql_loader.py")), dsn, "raw"]
    settings = {k: v for k, v in LOADERS[design].items() if k.startswith("TARGET_POSTGRES_")}
    return [str(TARGET), "--config", str(target_config(work, database, settings))]


def load(messages: Path, design: str, work: Path) -> Run:
    with Deployment("loader_alone", work) as deployment:
        command = loader_command(design, work, deployment.database)
        postgres = TreeCpu(deployment.postmaster_pid())
        others = OtherDatabases(deployment.connect)
        others.start()
        pg_before, started = postgres.seconds(), time.monotonic()
        with messages.open("rb") as stdin, (work / "loader.log").open("wb") as err:
            process = subprocess.Popen(command, stdin=stdin,
                                       stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        wall, pg = time.monotonic() - started, postgres.seconds() - pg_before
        others.stop()
        if process.returncode:
            raise SystemExit(f"{design} failed ({process.returncode}): see {work / 'loader.log'}")
        with deployment.connect() as connection:
            events = connection.execute("select count(distinct event_id) from raw.agent_events").fetchone()[0]
            content, content_read = stored_rows_digest(connection), stored_rows_digest(connection, True)
        run = Run(design, events, wall, usage.ru_utime + usage.ru_stime, pg, usage.ru_maxrss / 1024,
                  others.busy_share, content, content_read)
        log(f"{design}: {events:,} events, {wall:.1f} s, loader {1e6 * run.loader_s / events:.0f} µs/event, "
            f"PostgreSQL {1e6 * pg / events:.0f} µs/event")
        return run


def table(runs: list[Run], load_average: str) -> str:
    lines = ["| design | events | runs | wall | loader CPU | PostgreSQL CPU | together | peak RSS |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for design in LOADERS:
        mine = [r for r in runs if r.design == design]
        median = sorted(mine, key=lambda r: r.loader_s + r.postgres_s)[len(mine) // 2]
        per = 1e6 / median.events
        lines.append(f"| {design} | {median.events:,} | {len(mine)} | {median.wall_s:.1f} s | "
                     f"{per * median.loader_s:.0f} µs/event | {per * median.postgres_s:.0f} µs/event | "
                     f"**{per * (median.loader_s + median.postgres_s):.0f} µs/event** | {median.peak_rss_mb:.0f} MB |")
    lines.append(f"\nLoad average {load_average}; of each design the median run by CPU (of an even number, the costlier "
                 "of the middle two).")
    lines += unclean_note({f"{r.design} run {n}": r.others_busy for n, r in enumerate(runs, 1)})
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=5000)
    parser.add_argument("--hours", type=float, default=0.5, help="hours of agent events in the backlog")
    parser.add_argument("--runs", type=int, default=2, help="runs of each design, alternating")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    subprocess.run([MELTANO, "install", "tap-connect-kinesis", "target-postgres"], cwd=ROOT, check=True,
                   capture_output=True)
    with tempfile.TemporaryDirectory(prefix="wfm-loader-") as tmp:
        work = Path(tmp)
        messages = capture(args.agents, args.hours, work)
        load_before = os.getloadavg()[0]
        runs = [load(messages[tap_settings(design)], design, work)
                for _ in range(args.runs) for design in LOADERS]
        if len({run.events for run in runs}) != 1:
            raise SystemExit(f"the runs loaded different numbers of events: {[run.events for run in runs]}")
        if len({run.content_read for run in runs}) != 1:
            raise SystemExit(f"the runs stored different rows: {[(run.design, run.content_read) for run in runs]}")
        for settings in {tap_settings(design) for design in LOADERS}:
            same = {run.content for run in runs if tap_settings(run.design) == settings}
            if len(same) != 1:
                raise SystemExit(f"the runs of the tap's {settings} stored different rows: {same}")
        text = table(runs, f"{load_before:.1f}–{os.getloadavg()[0]:.1f}")
    print(text)
    if args.write_docs:
        command = (f".venv/bin/python benchmarks/loader_alone.py --agents {args.agents} --hours {args.hours:g} "
                   f"--runs {args.runs} --write-docs")
        replace_docs_section(DOCS, SECTION, (
            f"{SECTION}\n\n```bash\n{command}\n```\n\nMeasured {datetime.now():%Y-%m-%d} on {platform.machine()}, "
            f"{os.cpu_count()} cores, {args.agents:,} agents, {args.hours:g} h of agent events read once by the tap, "
            f"then loaded by each loader alone (target-postgres both ways, the prototype) into a new database per run. What each figure includes: the "
            f"benchmark's docstring.\n\n{text}\n"))
        log(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
