"""API calls of tap-amazon-connect's queue_interval_metrics against the theoretical minimum.

    .venv/bin/python benchmarks/tap_amazon_connect_calls.py [--queues 10 100 250] [--days 90]

For each queue count: a simulated centre with `--days` of history, then
  backfill     a first run from start_date = now - days (GetMetricDataV2, 15-minute intervals)
  incremental  the clock moves 15 minutes; a run with the backfill's state
Calls are counted at the simulated Connect server (every HTTP request). The minimum:
  ListInstances 1 + ListQueues ceil(queues / 1000)
  + for every request window (each < 3 days: ceil(span / (3 days - 15 min)) of them) and
    every batch of 100 queues: max(1, ceil(rows with traffic / 100)) pages of 100 rows.
The backfill drives the stream's records directly (no Singer serialisation: this measures
API use); wall time and calls/s are measured with the tap's default per-operation pacing
for the incremental run, and projected for the backfill at GetMetricDataV2's default pace
(calls / 1.8: 90% of the documented 2 requests/s, tap_amazon_connect/quotas.py).
Not a test: run on demand, paste the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import math
import time
from collections import Counter
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta

import tap_amazon_connect.clock as tap_clock
from connect_sim.api.server import start_server
from connect_sim.config import WorldConfig
from connect_sim.metrics import figures_by_interval
from connect_sim.world import World
from tap_amazon_connect.quotas import DOCUMENTED_OTHERS, pace
from tap_amazon_connect.tap import TapAmazonConnect
from tap_amazon_connect.windows import closed_until, v2_windows

STREAM = "queue_interval_metrics"
CHANNELS = ("VOICE", "CHAT", "TASK")
DEFAULT_RATE = pace(DOCUMENTED_OTHERS).per_second  # GetMetricDataV2's default client-side pace


def now_of(world: World) -> datetime:
    return datetime.fromtimestamp(world.clock.now_ms() / 1000, UTC)


def minimum_calls(world: World, instance_id: str, queue_ids: list[str], start: datetime, end: datetime) -> int:
    calls = 1 + math.ceil(len(queue_ids) / 1000)
    interval_ms = 15 * 60_000
    for lo, hi in v2_windows(start, end, 15):
        lo_ms, hi_ms = int(lo.timestamp() * 1000), int(hi.timestamp() * 1000)
        segments = world.segments_for_window(instance_id, lo_ms, hi_ms)
        keys = figures_by_interval(segments, interval_ms, world.visible_ms, world.now_ms,
                                   start_ms=lo_ms, end_ms=hi_ms)
        for b in range(0, len(queue_ids), 100):
            batch = set(queue_ids[b:b + 100])
            rows = sum(1 for queue_id, channel, _ in keys if queue_id in batch and channel in CHANNELS)
            calls += max(1, math.ceil(rows / 100))
    return calls


def config_for(url: str, start: datetime, paced: bool) -> dict:
    return {"aws_access_key_id": "AKIDBENCHMARK", "aws_secret_access_key": "benchmark", "aws_region": "us-west-2",
            "aws_endpoint_url": url, "start_date": start.isoformat(), **({} if paced else {"api_quotas": {"*": 0}})}


def backfill(config: dict) -> tuple[TapAmazonConnect, dict, int]:
    tap = TapAmazonConnect(config=config)
    stream = tap.streams[STREAM]
    rows = 0
    for context in stream.partitions:
        last = None
        for record in stream.get_records(context):
            rows += 1
            last = record["interval_start"]
        state = {"bookmarks": {STREAM: {"partitions": [
            {"context": context, "replication_key": "interval_start", "replication_key_value": last}]}}}
    return tap, state, rows


def incremental(config: dict, state: dict) -> None:
    tap = TapAmazonConnect(config=config, state=state)
    for name, stream in tap.streams.items():
        stream.selected = name == STREAM
    with redirect_stdout(io.StringIO()):
        tap.sync_all()


def bench(queues: int, days: int) -> list[dict]:
    world = World(WorldConfig(seed=3, agents_per_instance=40, standard_queues_per_instance=queues,
                              user_change_rate=0, user_delete_rate=0))
    world.clock.advance(days * 86_400 + 3600)
    world.sync()
    seen: Counter[str] = Counter()
    server = start_server(world, observer=lambda operation, status, document: seen.update([operation or "?"]))
    tap_clock.now = lambda: now_of(world)
    try:
        instance = world.directory.instances[0]
        queue_ids = sorted(q.id for q in world.directory.queues_of(instance.id) if q.queue_type == "STANDARD")
        results = []

        start = now_of(world) - timedelta(days=days) + timedelta(minutes=15)
        end = closed_until(now_of(world), 15, 5)
        t0 = time.perf_counter()
        _, state, rows = backfill(config_for(server.url, start, paced=False))
        wall = time.perf_counter() - t0
        first_start = start.replace(second=0, microsecond=0)
        first_start += timedelta(minutes=(-first_start.minute) % 15)
        minimum = minimum_calls(world, instance.id, queue_ids, first_start, end)
        calls = sum(seen.values())
        results.append({"queues": queues, "run": f"backfill {days} d", "calls": calls, "minimum": minimum,
                        "rows": rows, "wall_s": wall, "rate": None,
                        "projected_s": calls / DEFAULT_RATE, "detail": dict(seen)})

        seen.clear()
        world.clock.advance(15 * 60)
        bookmark = datetime.fromisoformat(state["bookmarks"][STREAM]["partitions"][0]["replication_key_value"])
        inc_start = bookmark + timedelta(minutes=15 - 120)
        inc_end = closed_until(now_of(world), 15, 5)
        t0 = time.perf_counter()
        incremental(config_for(server.url, start, paced=True), state)
        wall = time.perf_counter() - t0
        calls = sum(seen.values())
        results.append({"queues": queues, "run": "incremental (15 min + 120 min lookback)", "calls": calls,
                        "minimum": minimum_calls(world, instance.id, queue_ids, inc_start, inc_end),
                        "rows": None, "wall_s": wall, "rate": calls / wall if wall else None,
                        "projected_s": calls / DEFAULT_RATE, "detail": dict(seen)})
        return results
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queues", type=int, nargs="+", default=[10, 100, 250])
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    rows = [r for q in args.queues for r in bench(q, args.days)]
    print(f"| queues | run | API calls | minimum | rows emitted | wall time (s) | calls/s | at {DEFAULT_RATE:g} req/s (s) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        rate = f"{r['rate']:.1f}" if r["rate"] else "—"
        emitted = f"{r['rows']:,}" if r["rows"] is not None else "—"
        print(f"| {r['queues']} | {r['run']} | {r['calls']} | {r['minimum']} | {emitted} | {r['wall_s']:.1f} | "
              f"{rate} | {r['projected_s']:.0f} |")
    print()
    for r in rows:
        print(f"{r['queues']} queues, {r['run']}: {r['detail']}")


if __name__ == "__main__":
    main()
