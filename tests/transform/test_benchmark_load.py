"""benchmarks/dbt_build_times.py streams its simulated centre into PostgreSQL (issue 16: the
whole day in memory was killed at 23.8 GB for 5,000 agents). Streamed, the raw tables must
hold exactly what the in-memory load gave for the same seed, so results measured before
and after stay comparable: the in-memory path (as it was, below) against the streamed one,
on a small centre."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import wfm_raw_fixtures as rf

pytestmark = pytest.mark.slow  # about 15 s: a day of 12 agents simulated twice, three databases

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "dbt_build_times.py"
AGENTS, QUEUES, DAYS = 12, 3, 2


def _benchmark():
    spec = importlib.util.spec_from_file_location("dbt_build_times", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# -- the in-memory load, as benchmarks/dbt_build_times.py had it ------------------------------------
@dataclass
class InMemoryCentre:
    config: dict[str, list[dict]]
    day_events: list[dict]
    day_metrics: list[dict]
    day_schedule: list[tuple]
    steps: list[tuple[list[dict], list[dict]]] = field(default_factory=list)


def simulate_in_memory(agents: int, queues: int, steps: int) -> InMemoryCentre:
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
        return [rf.event_row(encoder.encode_text(e), from_index + i, e.timestamp_ms + 800)
                for i, e in enumerate(events[from_index:])]

    start = day.start_ms
    schedule = [(s.instance_id, s.user_id, s.activity, rf.ts(s.start_ms), rf.ts(s.end_ms))
                for s in truth.schedule(world, day.instance_id, start, start + rf.DAY_MS)]
    centre = InMemoryCentre(rf.config_rows(day), rows(0), rf.metric_rows(day, start, start + rf.DAY_MS), schedule)
    for _ in range(steps):
        seen = len(events)
        world.clock.advance(900)
        world.sync()
        now = world.now_ms
        fresh = rf.metric_rows(day, now - now % 900_000 - 2 * 3_600_000, now - now % 900_000)[1::2]
        centre.steps.append((rows(seen), fresh))
    return centre


def _copy(conn, table: str, rows: list[dict]) -> None:
    columns = list(rf.SCHEMAS[table])
    with conn.cursor() as cur, cur.copy(f"copy bench.{table} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            copy.write_row([row.get(c) for c in columns])


def load_in_memory(bench, conn, centre: InMemoryCentre, days: int) -> None:
    """The old load_history, then every step's old load_step."""
    rf.write_postgres(conn, dict(centre.config, agent_events=[], queue_interval_metrics=[]))
    conn.execute(bench.SHIFT_FUNCTIONS)
    conn.execute("create schema bench")
    for table in ("agent_events", "queue_interval_metrics"):
        conn.execute(f"create table bench.{table} (like raw.{table})")
    _copy(conn, "agent_events", centre.day_events)
    _copy(conn, "queue_interval_metrics", centre.day_metrics)
    bench.insert_shifted_events(conn, "bench.agent_events", range(days))
    bench.insert_shifted_metrics(conn, "bench.queue_interval_metrics", range(days))
    conn.execute("create schema wfm_input")
    conn.execute("create table wfm_input.schedule (instance_id text, agent text, activity text, "
                 "start_at timestamptz, end_at timestamptz)")
    with conn.cursor() as cur:
        cur.executemany("insert into wfm_input.schedule values (%s, %s, %s, %s, %s)", centre.day_schedule)
    conn.execute(f"""insert into wfm_input.schedule
        select instance_id, agent, activity, start_at + d * interval '1 day', end_at + d * interval '1 day'
        from wfm_input.schedule cross join generate_series(1, {days - 1}) as d""")
    for events, metrics in centre.steps:
        conn.execute("truncate bench.agent_events, bench.queue_interval_metrics")
        _copy(conn, "agent_events", events)
        _copy(conn, "queue_interval_metrics", metrics)
        bench.insert_shifted_events(conn, "bench.agent_events", range(days - 1, days))
        bench.insert_shifted_metrics(conn, "bench.queue_interval_metrics", range(days - 1, days))


def _contents(conn) -> dict[str, list[str]]:
    tables = [f"raw.{t}" for t in rf.SCHEMAS] + ["wfm_input.schedule"]
    return {t: [r[0] for r in conn.execute(f"select x::text from {t} x order by 1").fetchall()] for t in tables}


def test_streamed_load_gives_the_raw_tables_of_the_in_memory_load(postgres_database):
    bench = _benchmark()
    pg = bench.Postgres(postgres_database.host, postgres_database.port, postgres_database.user)
    centre = simulate_in_memory(AGENTS, QUEUES, bench.STEPS)
    with postgres_database.connect() as conn:
        load_in_memory(bench, conn, centre, DAYS)
        expected = _contents(conn)
    source, load = bench.create_source(pg, AGENTS, QUEUES)
    copy = f"wfm_test_{uuid.uuid4().hex[:10]}"
    try:
        pg.create(copy, template=source)
        with pg.connect(copy) as conn:
            bench.load_history(conn, DAYS)
            stepped = [bench.load_step(conn, step, DAYS) for step in range(bench.STEPS)]
            streamed = _contents(conn)
        pg.drop(copy)
        pg.create(copy, template=source)
        with pg.connect(copy) as conn:
            _check_night_rereads(bench, conn)
    finally:
        pg.drop(copy)
        pg.drop(source)
    assert load.day_events == len(centre.day_events) > 1000
    assert stepped == load.step_events == [len(events) for events, _ in centre.steps]
    assert all(stepped)
    assert {t: len(rows) for t, rows in streamed.items()} == {t: len(rows) for t, rows in expected.items()}
    for table, rows in expected.items():
        assert streamed[table] == rows, table


def _check_night_rereads(bench, conn) -> None:
    """Every earlier night holds the steps' newest re-read of the intervals after midnight,
    shifted onto it (so the steps meet no queue × channel the history has not seen)."""
    bench.load_history(conn, DAYS)
    metrics = "select queue_id, channel, interval_start, collected_at, contacts_queued from raw.queue_interval_metrics"
    before = conn.execute(metrics).fetchall()
    # derived here, not with the benchmark's query: of each interval after the day, the row
    # of the last step that re-read it
    day_end = conn.execute("select max(interval_start) from bench.day_metrics").fetchone()[0]
    newest: dict[tuple, tuple] = {}
    for step, q, c, start, collected, queued in conn.execute(
            "select step, queue_id, channel, interval_start, collected_at, contacts_queued from bench.step_metrics"):
        if start > day_end and step >= newest.get((q, c, start), (-1,))[0]:
            newest[q, c, start] = (step, q, c, start, collected, queued)
    night = [row[1:] for row in newest.values()]
    assert night, "the steps re-read no interval after midnight: nothing to check"

    assert bench.insert_night_rereads(conn, DAYS) == len(night) * (DAYS - 1)

    added = list((Counter(conn.execute(metrics).fetchall()) - Counter(before)).elements())
    shifted = [(q, c, start + timedelta(days=d), collected + timedelta(days=d), queued)
               for d in range(DAYS - 1) for q, c, start, collected, queued in night]
    assert sorted(added) == sorted(shifted)
