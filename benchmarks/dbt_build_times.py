"""dbt build times of transform/ on PostgreSQL for a 500-agent, 50-queue simulated centre.

    .venv/bin/python benchmarks/dbt_build_times.py                  # --days 1 30
    .venv/bin/python benchmarks/dbt_build_times.py --days 1 --write-docs

For each history length (`--days`): a fresh database with that many days of raw streams
(agent events, queue interval metrics, configuration, and a schedule of every agent), then
  full build      `dbt build --full-refresh` over the whole history, then VACUUM (ANALYZE)
                  (what autovacuum does within minutes; not counted)
  then, each after 15 more minutes of agent events and the tap's re-read of the last 2 h
  of queue metrics:
  incremental     `dbt run` (every model), a new dbt process
  adherence job   the adherence job's command (`build-adherence` in meltano.yml: the
                  adherence models and seeds), a new dbt process
  warm refresh    the same command in a process that has parsed the project already, as
                  `refresh-adherence` (transform/scripts/dbt_every.py) runs it every minute
  build           `dbt build` (every model and test), a new dbt process
Target: the incremental run under 10 s (a new dbt process spends 5-7 s starting here).

Days after the first are the first simulated day repeated in SQL (ids re-derived,
timestamps shifted): the same volume a real month has, without simulating it. The 15-minute
steps are the simulation's real continuation, shifted to follow the last day. Needs
PostgreSQL on 127.0.0.1:5432 (WFM_TEST_PG_* override); each history length gets its own
database, dropped afterwards (`--keep` keeps it). `--write-docs` replaces this benchmark's
section of docs/benchmarks.md with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import re
import shlex
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "transform"))

import wfm_raw_fixtures as rf  # noqa: E402
from wfm_dbt import run_dbt  # noqa: E402

DAY_MS = rf.DAY_MS
STEP_S = 900
STEPS = 4
TARGET_S = 10.0
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- dbt_build_times:begin -->", "<!-- dbt_build_times:end -->"


@dataclass
class SimulatedCentre:
    """One simulated day and the 15-minute steps after it, as raw rows."""

    config: dict[str, list[dict]]
    day_events: list[dict]
    day_metrics: list[dict]
    day_schedule: list[tuple]
    steps: list[tuple[list[dict], list[dict]]] = field(default_factory=list)  # (events, metrics)


def simulate(agents: int, queues: int, steps: int) -> SimulatedCentre:
    from connect_sim import truth
    from connect_sim.config import WorldConfig
    from connect_sim.kinesis.event_json import AgentEventEncoder
    from connect_sim.world import World

    world = World(WorldConfig(seed=11, agents_per_instance=agents, standard_queues_per_instance=queues))
    events: list = []
    world.add_event_sink(events.append)
    world.clock.advance(86400)
    world.sync()
    day = rf.SimulatedDay(world)
    encoder = AgentEventEncoder(world.directory)

    def rows(from_index: int) -> list[dict]:
        out = [rf.event_row(encoder.encode_text(e), from_index + i, e.timestamp_ms + 800)
               for i, e in enumerate(events[from_index:])]
        for row in out:
            row["current_snapshot"] = row["previous_snapshot"] = None  # unused downstream; saves load time
        return out

    start = day.start_ms
    schedule = [(s.instance_id, s.user_id, s.activity, rf.ts(s.start_ms), rf.ts(s.end_ms))
                for s in truth.schedule(world, day.instance_id, start, start + DAY_MS)]
    centre = SimulatedCentre(rf.config_rows(day), rows(0), rf.metric_rows(day, start, start + DAY_MS), schedule)
    for _ in range(steps):
        seen = len(events)
        world.clock.advance(STEP_S)
        world.sync()
        now = world.now_ms
        fresh = rf.metric_rows(day, now - now % 900_000 - 2 * 3_600_000, now - now % 900_000)[1::2]
        centre.steps.append((rows(seen), fresh))
    return centre


# -- loading ---------------------------------------------------------------------------------------
SHIFT_FUNCTIONS = """
create or replace function pg_temp.shift_contacts(contacts jsonb, by_interval interval) returns jsonb
language sql immutable as $$
    select jsonb_agg(
        (select jsonb_object_agg(k, case
                    when jsonb_typeof(v) = 'string' and v #>> '{}' ~ '^\\d{4}-\\d\\d-\\d\\dT'
                        then to_jsonb(to_char(((v #>> '{}')::timestamptz + by_interval) at time zone 'UTC',
                                              'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                    else v end)
         from jsonb_each(element) as kv(k, v))
        order by position)
    from jsonb_array_elements(contacts) with ordinality as a(element, position)
$$;
create or replace function pg_temp.shifted_id(event_id text, day integer) returns text
language sql immutable as $$ select case when day = 0 then event_id else md5(event_id || '/' || day)::uuid::text end $$;
"""


def copy_rows(conn, schema: str, table: str, rows) -> int:
    columns = list(rf.SCHEMAS[table])
    n = 0
    with conn.cursor() as cur, cur.copy(f"copy {schema}.{table} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            copy.write_row([row.get(c) for c in columns])
            n += 1
    return n


def insert_shifted_events(conn, source: str, days: range) -> None:
    """raw.agent_events += source's rows repeated for each day of `days` (shifted by that many days)."""
    columns = list(rf.SCHEMAS["agent_events"])
    shifted = {
        "event_id": "pg_temp.shifted_id(event_id, d)",
        "event_timestamp": "event_timestamp + d * interval '1 day'",
        "agent_status_start_timestamp": "agent_status_start_timestamp + d * interval '1 day'",
        "approximate_arrival_timestamp": "approximate_arrival_timestamp + d * interval '1 day'",
        "collected_at": "collected_at + d * interval '1 day'",
        "contacts": "pg_temp.shift_contacts(contacts, d * interval '1 day')",
        "sequence_number": "(sequence_number::numeric + d * 10000000)::text",
    }
    select = ", ".join(shifted.get(c, c) for c in columns)
    conn.execute(f"insert into raw.agent_events ({', '.join(columns)}) "
                 f"select {select} from {source} cross join generate_series({days.start}, {days.stop - 1}) as d")


def insert_shifted_metrics(conn, source: str, days: range) -> None:
    columns = list(rf.SCHEMAS["queue_interval_metrics"])
    shifted = {c: f"{c} + d * interval '1 day'" for c in ("interval_start", "interval_end", "collected_at")}
    select = ", ".join(shifted.get(c, c) for c in columns)
    conn.execute(f"insert into raw.queue_interval_metrics ({', '.join(columns)}) "
                 f"select {select} from {source} cross join generate_series({days.start}, {days.stop - 1}) as d")


def load_history(conn, centre: SimulatedCentre, days: int) -> tuple[int, int]:
    tables = dict(centre.config, agent_events=[], queue_interval_metrics=[])
    rf.write_postgres(conn, tables)
    conn.execute(SHIFT_FUNCTIONS)
    conn.execute("create schema bench")
    for table in ("agent_events", "queue_interval_metrics"):
        conn.execute(f"create table bench.{table} (like raw.{table})")
    copy_rows(conn, "bench", "agent_events", centre.day_events)
    copy_rows(conn, "bench", "queue_interval_metrics", centre.day_metrics)
    insert_shifted_events(conn, "bench.agent_events", range(days))
    insert_shifted_metrics(conn, "bench.queue_interval_metrics", range(days))
    conn.execute("create schema wfm_input")
    conn.execute("create table wfm_input.schedule (instance_id text, agent text, activity text, "
                 "start_at timestamptz, end_at timestamptz)")
    with conn.cursor() as cur:
        cur.executemany("insert into wfm_input.schedule values (%s, %s, %s, %s, %s)", centre.day_schedule)
    conn.execute(f"""insert into wfm_input.schedule
        select instance_id, agent, activity, start_at + d * interval '1 day', end_at + d * interval '1 day'
        from wfm_input.schedule cross join generate_series(1, {days - 1}) as d""")
    conn.execute("analyze")
    events = conn.execute("select count(*) from raw.agent_events").fetchone()[0]
    metrics = conn.execute("select count(*) from raw.queue_interval_metrics").fetchone()[0]
    return events, metrics


def load_step(conn, centre: SimulatedCentre, step: int, days: int) -> int:
    """The step's events and metric re-read, shifted to follow the last loaded day."""
    events, metrics = centre.steps[step]
    conn.execute("truncate bench.agent_events, bench.queue_interval_metrics")
    copy_rows(conn, "bench", "agent_events", events)
    copy_rows(conn, "bench", "queue_interval_metrics", metrics)
    insert_shifted_events(conn, "bench.agent_events", range(days - 1, days))
    insert_shifted_metrics(conn, "bench.queue_interval_metrics", range(days - 1, days))
    return len(events)


def remove_steps(conn, centre: SimulatedCentre, days: int) -> None:
    """Take the steps an earlier run loaded out of a reused database."""
    conn.execute("truncate bench.agent_events, bench.queue_interval_metrics")
    copy_rows(conn, "bench", "agent_events", (e for events, _ in centre.steps for e in events))
    conn.execute(f"delete from raw.agent_events where event_id in "
                 f"(select pg_temp.shifted_id(event_id, {days - 1}) from bench.agent_events)")
    history_collected = max(r["collected_at"] for r in centre.day_metrics)
    conn.execute("delete from raw.queue_interval_metrics where collected_at > %s::timestamptz + %s * interval '1 day'",
                 (history_collected, days - 1))


# -- measuring -------------------------------------------------------------------------------------
def adherence_job_args() -> list[str]:
    """The dbt arguments of the adherence job (meltano.yml, dbt-postgres:build-adherence)."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    for utility in project["plugins"]["utilities"]:
        if utility["name"] == "dbt-postgres":
            return shlex.split(utility["commands"]["build-adherence"]["args"])
    raise LookupError("meltano.yml has no dbt-postgres:build-adherence command")


@dataclass
class Result:
    days: int
    events: int
    full_build_s: float
    incremental_run_s: float
    adherence_job_s: float
    warm_refresh_s: float
    incremental_build_s: float
    slowest: str


def measure(centre: SimulatedCentre, days: int, keep: bool, database: str | None = None) -> Result:
    """database: one an earlier `--keep` run loaded with this many days (its steps not yet
    loaded): skips the loading, and keeps it."""
    host = os.environ.get("WFM_TEST_PG_HOST", "127.0.0.1")
    port = int(os.environ.get("WFM_TEST_PG_PORT", "5432"))
    user = os.environ.get("WFM_TEST_PG_USER", "postgres")
    name = database or f"wfm_bench_{days}d_{uuid.uuid4().hex[:6]}"
    keep = keep or database is not None
    if not database:
        with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'create database "{name}"')
    env = {"WFM_DBT_TARGET": "postgres", "WFM_PG_HOST": host, "WFM_PG_PORT": str(port), "WFM_PG_USER": user,
           "WFM_PG_DBNAME": name, "WFM_SCHEDULE_RELATION": "wfm_input.schedule"}
    work = Path(tempfile.mkdtemp(prefix="wfm_bench_"))
    try:
        with psycopg.connect(host=host, port=port, user=user, dbname=name, autocommit=True) as conn:
            started = time.perf_counter()
            if database:
                conn.execute(SHIFT_FUNCTIONS)
                remove_steps(conn, centre, days)
                events = conn.execute("select count(*) from raw.agent_events").fetchone()[0]
                metrics = conn.execute("select count(*) from raw.queue_interval_metrics").fetchone()[0]
            else:
                events, metrics = load_history(conn, centre, days)
            print(f"[{days} d] loaded {events:,} events, {metrics:,} metric rows in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)

            def timed(label: str, dbt_args: list[str]) -> tuple[float, str]:
                start = time.perf_counter()
                run_dbt(dbt_args, work, env, timeout=None)
                seconds = time.perf_counter() - start
                results = json.loads((work / "target" / "run_results.json").read_text())["results"]
                slow = ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}"
                                 for r in sorted(results, key=lambda r: -r["execution_time"])[:4])
                print(f"[{days} d] {label}: {seconds:.1f} s  (slowest: {slow})", flush=True)
                return seconds, slow

            full, _ = timed("dbt build (full)", ["build", "--full-refresh"])
            # what autovacuum and the checkpointer do within minutes of a full build (they
            # would run during the first incremental runs, on this 2-core machine, and slow
            # them down: a run measured at 0.7 s took 6.5 s writing the build's dirty pages)
            settle = time.perf_counter()
            conn.execute("vacuum (analyze)")
            conn.execute("checkpoint")
            print(f"[{days} d] vacuum (analyze) after the full build: {time.perf_counter() - settle:.0f} s", flush=True)
            new = load_step(conn, centre, 0, days)
            incremental, slowest = timed(f"dbt run after {new} new events", ["run"])
            load_step(conn, centre, 1, days)
            adherence, _ = timed("adherence job (build-adherence)", adherence_job_args())
            warm = WarmDbt(env, work)
            load_step(conn, centre, 2, days)
            refresh = warm.timed(adherence_job_args())
            print(f"[{days} d] warm refresh (build-adherence in a parsed process): {refresh:.1f} s", flush=True)
            load_step(conn, centre, 3, days)
            build, _ = timed("dbt build (incremental, all tests)", ["build"])
            return Result(days, events, full, incremental, adherence, refresh, build, slowest)
    finally:
        if not keep:
            with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as admin:
                admin.execute(f'drop database if exists "{name}" with (force)')


class WarmDbt:
    """dbt in this process, the project parsed once (what dbt_every.py does); one run
    without new data first, as a loop that has been turning."""

    def __init__(self, env: dict[str, str], work: Path) -> None:
        from dbt.cli.main import dbtRunner

        os.environ.update(env, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
        self.paths = ["--project-dir", str(ROOT / "transform"), "--profiles-dir", str(ROOT / "transform"),
                      "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"]
        parsed = dbtRunner().invoke(["parse", *self.paths])
        assert parsed.success, parsed.exception
        self.runner = dbtRunner(manifest=parsed.result)
        self.timed(adherence_job_args())

    def timed(self, args: list[str]) -> float:
        start = time.perf_counter()
        result = self.runner.invoke([*args, *self.paths])
        assert result.success, result.exception
        return time.perf_counter() - start


def table(results: list[Result]) -> str:
    lines = ["| history | agent events | full `dbt build` | incremental `dbt run` | adherence job "
             "| warm refresh (adherence job) | incremental `dbt build` | target (< 10 s) |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        met = ("met" if r.incremental_run_s < TARGET_S else
               "met by the warm refresh" if r.warm_refresh_s < TARGET_S else "**not met**")
        lines.append(f"| {r.days} d | {r.events:,} | {r.full_build_s:.0f} s | {r.incremental_run_s:.1f} s "
                     f"| {r.adherence_job_s:.1f} s | {r.warm_refresh_s:.1f} s | {r.incremental_build_s:.1f} s | {met} |")
    return "\n".join(lines)


def write_docs(results: list[Result], agents: int, queues: int) -> None:
    """This benchmark's section of docs/benchmarks.md: a table row per history length; rows
    of lengths not measured this time stay (so 1 d and 30 d can be run separately)."""
    text = DOCS.read_text()
    head, _, rest = text.partition(BEGIN)
    section, _, tail = rest.partition(END)
    measured = {f"| {r.days} d |" for r in results}
    kept = [line for line in section.splitlines()
            if re.match(r"\| \d+ d \|", line) and not any(line.startswith(m) for m in measured)]
    rows = sorted(kept + table(results).splitlines()[2:], key=lambda line: int(line.split()[1]))
    slowest = [line for line in section.splitlines() if line.startswith("- ") and
               not any(line.startswith(f"- {r.days} d:") for r in results)]
    slowest = sorted(slowest + [f"- {r.days} d: {r.slowest}" for r in results], key=lambda line: int(line.split()[1]))
    body = (f"Measured {date.today().isoformat()} on {os.cpu_count()} cores ({platform.machine()}), "
            f"{agents} agents, {queues} queues, PostgreSQL:\n\n"
            + "\n".join(table([]).splitlines()[:2] + rows)
            + "\n\nSlowest models of the incremental `dbt run` (seconds):\n\n" + "\n".join(slowest) + "\n")
    DOCS.write_text(f"{head}{BEGIN}\n{body}{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, nargs="+", default=[1, 30])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--database", help="reuse a database a --keep run loaded (one --days value)")
    parser.add_argument("--cache", type=Path, help="pickle of the simulated rows (made when missing)")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()

    started = time.perf_counter()
    centre = pickle.loads(args.cache.read_bytes()) if args.cache and args.cache.exists() else None
    if centre is None or len(centre.steps) < STEPS:
        centre = simulate(args.agents, args.queues, steps=STEPS)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(centre))
    print(f"simulated 1 day ({len(centre.day_events):,} events) + {STEPS} × 15 min in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    if args.database and len(args.days) != 1:
        parser.error("--database goes with one --days value")
    results = [measure(centre, days, args.keep, args.database) for days in args.days]
    print()
    print(table(results))
    if args.write_docs:
        write_docs(results, args.agents, args.queues)
        print(f"\nwritten to {DOCS.relative_to(ROOT)}")
    print(f"\n{datetime.now(UTC):%H:%M:%S} done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
