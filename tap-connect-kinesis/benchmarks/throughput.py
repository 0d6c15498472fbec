"""Events per second per core, from GetRecords answers to Singer output.

    .venv/bin/python tap-connect-kinesis/benchmarks/throughput.py [--events 200000]
    .venv/bin/python tap-connect-kinesis/benchmarks/throughput.py --memory --events 1000000

Both contenders read the same in-memory GetRecords answers (10,000 simulated agent events
each, as Connect writes them), so the network and Kinesis are out of the measurement:
  - floor: a minimal hand-written boto3-style polling loop: json.loads each record, pick the
    agent_events columns into a dict, json.dumps a Singer RECORD message to a file;
  - tap: tap_connect_kinesis.reader.Reader (typed msgspec decoding, dead-letter checks,
    positions) + per-cycle dedupe + batch file writing (tap.py's work per cycle).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from connect_sim.config import WorldConfig
from connect_sim.kinesis.event_json import AgentEventEncoder
from connect_sim.world import World
from tap_connect_kinesis.batchfiles import BatchFiles
from tap_connect_kinesis.deadletter import DeadLetters
from tap_connect_kinesis.events import decode_agent_event
from tap_connect_kinesis.reader import Reader, ReaderSettings, Source
from tap_connect_kinesis.tap import _dedupe

PAGE = 10_000
MAX_ANSWER_BYTES = 10 * 2**20


def simulated_records(count: int) -> list[bytes]:
    world = World(WorldConfig(agents_per_instance=200, seed=1))
    events = []
    world.add_event_sink(events.append)
    world.clock.advance(8 * 3600)
    world.sync()
    encoder = AgentEventEncoder(world.directory)
    documents = [(encoder.encode(e), e.event_id.encode()) for e in events]
    # every copy gets an event id of its own, so no row is deduplicated away
    return [data.replace(event_id, f"{n:08d}".encode() + event_id[8:])
            for n, (data, event_id) in enumerate(itertools.islice(itertools.cycle(documents), count))]


class FakeKinesis:
    """One open shard holding `records`, answered PAGE records at a time."""

    def __init__(self, documents: list[bytes]) -> None:
        arrival = datetime(2026, 11, 2, tzinfo=UTC)
        self.records = [{"SequenceNumber": str(49_000_000_000_000_000_000 + n), "Data": data,
                         "PartitionKey": "k", "ApproximateArrivalTimestamp": arrival}
                        for n, data in enumerate(documents)]

    def list_shards(self, **_):
        return {"Shards": [{"ShardId": "shardId-000000000000",
                            "SequenceNumberRange": {"StartingSequenceNumber": "0"}}]}

    def get_shard_iterator(self, **_):
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator, Limit):
        start = int(ShardIterator)
        page, size = [], 0
        for record in self.records[start:start + Limit]:
            size += len(record["Data"])
            if size > MAX_ANSWER_BYTES:  # Kinesis answers at most 10 MB per call
                break
            page.append(record)
        end = start + len(page)
        return {"Records": page, "NextShardIterator": str(end),
                "MillisBehindLatest": 0 if end >= len(self.records) else 1000}

    def describe_stream_summary(self, **_):
        return {"StreamDescriptionSummary": {"RetentionPeriodHours": 24}}


class LazyKinesis(FakeKinesis):
    """`total` records made page by page from a sample: memory stays the tap's own."""

    def __init__(self, sample: list[bytes], total: int) -> None:
        self.sample = sample
        self.total = total
        self.arrival = datetime(2026, 11, 2, tzinfo=UTC)

    def get_records(self, ShardIterator, Limit):
        start = int(ShardIterator)
        end = min(self.total, start + Limit)
        page = []
        size = 0
        for n in range(start, end):
            data = self.sample[n % len(self.sample)]
            size += len(data)
            if size > MAX_ANSWER_BYTES:  # Kinesis answers at most 10 MB per call
                end = n
                break
            page.append({"SequenceNumber": str(49_000_000_000_000_000_000 + n),
                         "Data": data.replace(b'"EventId":"', b'"EventId":"%010d' % n, 1),
                         "PartitionKey": "k", "ApproximateArrivalTimestamp": self.arrival})
        return {"Records": page, "NextShardIterator": str(end),
                "MillisBehindLatest": 0 if end >= self.total else 1000}


def rss_mb() -> float:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_run(total: int) -> None:
    import multiprocessing

    # made in a child process, so the simulator's memory is not counted as the tap's
    with multiprocessing.get_context("fork").Pool(1) as pool:
        sample = pool.apply(simulated_records, (5_000,))
    client = LazyKinesis(sample, total)
    samples = []
    print(f"resident memory before reading: {rss_mb():.0f} MB (Python, SDK, boto3, a 5,000-event sample)")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        source = Source("agent_events", "bench", None, decode_agent_event, {})
        reader = Reader(client, [source], ReaderSettings(interval_s=1, stop_when_caught_up=True,
                                                         max_batch_rows=PAGE),
                        DeadLetters(directory / "dead.jsonl"))
        files = BatchFiles(directory / "batches", retention_s=0)
        count = 0
        for cycle in reader.cycles():
            for stream, rows in cycle.rows.items():
                rows = _dedupe(stream, rows)
                files.write(stream, rows)
                count += len(rows)
            del cycle
            files.clean_up(force=True)
            samples.append(rss_mb())
    tenth = max(1, len(samples) // 10)
    print(f"{count} events; resident memory (MB): after the first 10 % {samples[tenth - 1]:.0f}, "
          f"peak {max(samples):.0f}, at the end {samples[-1]:.0f}; "
          f"per decile {[round(samples[i]) for i in range(tenth - 1, len(samples), tenth)]}")


def floor_loop(client: FakeKinesis, out) -> int:
    """What a minimal hand-written boto3 poller does."""
    iterator = client.get_shard_iterator()["ShardIterator"]
    count = 0
    while True:
        answer = client.get_records(ShardIterator=iterator, Limit=PAGE)
        for record in answer["Records"]:
            event = json.loads(record["Data"])
            current = event.get("CurrentAgentSnapshot") or {}
            status = current.get("AgentStatus") or {}
            row = {"event_id": event["EventId"], "event_type": event["EventType"],
                   "event_timestamp": event["EventTimestamp"], "agent_arn": event["AgentARN"],
                   "instance_arn": event["InstanceARN"], "agent_status_name": status.get("Name"),
                   "agent_status_type": status.get("Type"), "contacts": current.get("Contacts"),
                   "previous_snapshot": event.get("PreviousAgentSnapshot"),
                   "shard_id": "shardId-000000000000", "sequence_number": record["SequenceNumber"],
                   "approximate_arrival_timestamp": record["ApproximateArrivalTimestamp"].isoformat()}
            out.write(json.dumps({"type": "RECORD", "stream": "agent_events", "record": row}) + "\n")
            count += 1
        iterator = answer["NextShardIterator"]
        if not answer["MillisBehindLatest"]:
            return count


def tap_loop(client: FakeKinesis, directory: Path) -> int:
    source = Source("agent_events", "bench", None, decode_agent_event, {})
    reader = Reader(client, [source], ReaderSettings(interval_s=1, stop_when_caught_up=True, max_batch_rows=PAGE),
                    DeadLetters(directory / "dead.jsonl"))
    files = BatchFiles(directory / "batches", retention_s=0)
    count = 0
    for cycle in reader.cycles():
        for stream, rows in cycle.rows.items():
            rows = _dedupe(stream, rows)
            files.write(stream, rows)
            count += len(rows)
        files.clean_up(force=True)  # keep the disk small; not part of the real cost
    return count


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--memory", action="store_true", help="resident memory while --events pass")
    args = parser.parse_args()
    if args.memory:
        memory_run(args.events)
        return
    documents = simulated_records(args.events)
    client = FakeKinesis(documents)
    size = sum(len(d) for d in documents) / len(documents)
    print(f"{len(documents)} events, {size:.0f} bytes each on average")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for name, run in (("floor (hand-written boto3 loop)", lambda: floor_loop(client, open(os.devnull, "w"))),  # noqa: SIM115
                          ("tap-connect-kinesis", lambda: tap_loop(client, directory))):
            started, cpu_started = time.perf_counter(), cpu()
            count = run()
            wall, used = time.perf_counter() - started, cpu() - cpu_started
            print(f"{name:34s} {count:>9d} events  {wall:6.2f} s wall  {used:6.2f} s CPU  "
                  f"{count / used:>10,.0f} events/s per core")


if __name__ == "__main__":
    main()
