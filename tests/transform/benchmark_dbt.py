"""Benchmark (on demand, not collected by pytest): dbt build time on Postgres for a
500-agent, 50-queue simulated centre, 1 day and N days, and an incremental run after 15
minutes of new events.

    .venv/bin/python tests/transform/benchmark_dbt.py --days 1
    .venv/bin/python tests/transform/benchmark_dbt.py --days 30

Days beyond the first are the first simulated day repeated (ids re-derived, timestamps
shifted), which is enough for timing; the 15 minutes of new events are the simulation's
real continuation, shifted to follow the last day. Needs PostgreSQL on 127.0.0.1:5432
(WFM_TEST_PG_* override); creates and drops its own database.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))

import wfm_raw_fixtures as rf
from wfm_dbt import run_dbt

ISO = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"')
DAY = rf.DAY_MS


def _shift(text: str, offset_ms: int) -> str:
    from datetime import datetime

    t = round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    return rf.ts(t + offset_ms)


def shifted_event(row: dict, day: int, offset_ms: int) -> dict:
    if day == 0 and offset_ms == 0:
        return row
    out = dict(row)
    out["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{row['event_id']}/{day}"))
    for key in ("event_timestamp", "agent_status_start_timestamp", "approximate_arrival_timestamp"):
        out[key] = _shift(row[key], offset_ms) if row[key] else None
    if row["contacts"]:
        out["contacts"] = ISO.sub(lambda m: f'"{_shift(m.group(1), offset_ms)}"', row["contacts"])
    out["current_snapshot"] = out["previous_snapshot"] = None
    out["sequence_number"] = str(int(row["sequence_number"]) + day * 10_000_000)
    return out


def copy_rows(conn, table: str, rows) -> int:
    columns = list(rf.SCHEMAS[table])
    n = 0
    with conn.cursor() as cur, cur.copy(f"copy raw.{table} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            copy.write_row([row.get(c) for c in columns])
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--cache", type=Path, help="pickle of the simulated rows (made when missing)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    if args.cache and args.cache.exists():
        with args.cache.open("rb") as f:
            config, first_day, later, metrics_day = pickle.load(f)
    else:
        config, first_day, later, metrics_day = simulate(args)
        if args.cache:
            with args.cache.open("wb") as f:
                pickle.dump((config, first_day, later, metrics_day), f)
    print(f"simulated 1 day + 15 min: {len(first_day)} + {len(later)} events in {time.perf_counter() - t0:.1f} s",
          flush=True)
    run(args, config, first_day, later, metrics_day)


def simulate(args):
    from connect_sim.config import WorldConfig
    from connect_sim.kinesis.event_json import AgentEventEncoder
    from connect_sim.world import World

    world = World(WorldConfig(seed=11, agents_per_instance=args.agents, standard_queues_per_instance=args.queues))
    events: list = []
    world.add_event_sink(events.append)
    world.clock.advance(86400)
    world.sync()
    day = rf.SimulatedDay(world)
    encoder = AgentEventEncoder(world.directory)
    first_day = [rf.event_row(encoder.encode_text(e), i, e.timestamp_ms + 800) for i, e in enumerate(events)]
    for row in first_day:
        row["current_snapshot"] = row["previous_snapshot"] = None
    n_first = len(events)
    world.clock.advance(900)
    world.sync()
    later = [rf.event_row(encoder.encode_text(e), n_first + i, e.timestamp_ms + 800)
             for i, e in enumerate(events[n_first:])]
    metrics_day = rf.metric_rows(day, day.start_ms, day.start_ms + DAY)
    return rf.config_rows(day), first_day, later, metrics_day


def run(args, config, first_day, later, metrics_day) -> None:

    host = os.environ.get("WFM_TEST_PG_HOST", "127.0.0.1")
    port = int(os.environ.get("WFM_TEST_PG_PORT", "5432"))
    user = os.environ.get("WFM_TEST_PG_USER", "postgres")
    name = f"wfm_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    env = {"WFM_DBT_TARGET": "postgres", "WFM_PG_HOST": host, "WFM_PG_PORT": str(port), "WFM_PG_USER": user,
           "WFM_PG_DBNAME": name}
    work = Path(tempfile.mkdtemp(prefix="wfm_bench_"))
    try:
        with psycopg.connect(host=host, port=port, user=user, dbname=name, autocommit=True) as conn:
            tables = dict(config)
            tables["queue_interval_metrics"] = []
            tables["agent_events"] = []
            rf.write_postgres(conn, tables)
            t1 = time.perf_counter()
            n = copy_rows(conn, "agent_events", (shifted_event(r, d, d * DAY) for d in range(args.days) for r in first_day))
            m = copy_rows(conn, "queue_interval_metrics",
                          ({**r, "interval_start": _shift(r["interval_start"], d * DAY),
                            "interval_end": _shift(r["interval_end"], d * DAY)}
                           for d in range(args.days) for r in metrics_day))
            # what an operator adds for the incremental staging of agent events (see transform/README.md)
            conn.execute("create index on raw.agent_events (approximate_arrival_timestamp)")
            conn.execute("analyze")
            print(f"loaded {n} events, {m} metric rows for {args.days} day(s) in {time.perf_counter() - t1:.1f} s",
                  flush=True)

            def timed(label: str, dbt_args: list[str]) -> float:
                start = time.perf_counter()
                run_dbt(dbt_args, work, env, timeout=None)
                seconds = time.perf_counter() - start
                print(f"{label}: {seconds:.1f} s", flush=True)
                results = json.loads((work / "target" / "run_results.json").read_text())["results"]
                slow = sorted(results, key=lambda r: -r["execution_time"])[:6]
                print("    slowest: " + ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}s"
                                                for r in slow), flush=True)
                return seconds

            timed("dbt build (full)", ["build"])
            offset = (args.days - 1) * DAY
            copy_rows(conn, "agent_events", (shifted_event(r, args.days - 1 if offset else 0, offset) if offset
                                              else r for r in later))
            timed("dbt run, incremental after 15 min of new events", ["run"])
            timed("dbt build, incremental (with tests)", ["build"])
    finally:
        if not args.keep:
            with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as admin:
                admin.execute(f'drop database if exists "{name}" with (force)')


if __name__ == "__main__":
    main()
