"""What tap-connect-kinesis costs as a user's machine pays it, side by side with a hand-written
boto3 loop, in the same run.

    .venv/bin/python tap-connect-kinesis/benchmarks/throughput.py [--events 100000] [--runs 3]
    .venv/bin/python tap-connect-kinesis/benchmarks/throughput.py --events 1000000 --runs 1 --only batch
    .venv/bin/python tap-connect-kinesis/benchmarks/throughput.py --profile batch   # cProfile of one run
    .venv/bin/python tap-connect-kinesis/benchmarks/throughput.py --before HEAD~1   # and the previous design
    .venv/bin/python tap-connect-kinesis/benchmarks/throughput.py --queues 1   # smaller events (4.1 kB)

A moto server (in this process, so its own work is not counted) holds a Kinesis stream of 2
shards with N simulated agent events, as Connect writes them. Each contender is a process of
its own that reads the stream from TRIM_HORIZON until caught up:
  - batch:  `tap-connect-kinesis` (BATCH messages, stdout and batch files on disk);
  - record: `tap-connect-kinesis` with `message_format: record` (RECORD messages to a file);
  - loop:   a hand-written boto3 loop (ListShards, GetShardIterator, GetRecords with Limit
            10000, json.loads each record, pick the agent_events columns, a JSON line per
            record to a file);
  - with `--before REV`, batch-before and record-before: the tap as it was at git revision REV
            (its tap-connect-kinesis and libs/wfm-aws sources, run by the same interpreter and
            installed packages): the previous design, side by side in the same run.
An event's size follows its agent's routing profile: the simulator's centre has 6 standard
queues (5.7 kB events, both snapshots listing every queue of the profile); `--queues 1` gives
the 4.1 kB events of a one-queue profile (issue 18 measured 2.6 kB events).
Runs alternate (batch, record, loop, batch, ...). A contender's cost is the user + sys CPU
of its whole process and its children (wait4), HTTP, botocore's signing and parsing,
decoding, serialisation and file writing included, minus its start-up: the median CPU of
the same command against an empty stream of 2 shards (imports, config, ListShards, ...).
Peak RSS is the process's maximum resident set (ru_maxrss), start-up included.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from connect_sim.config import WorldConfig
from connect_sim.kinesis.event_json import AgentEventEncoder
from connect_sim.kinesis.moto_server import MotoServer, create_stream, moto_client
from connect_sim.world import World

HERE = Path(__file__).resolve()
TAP = Path(sys.executable).with_name("tap-connect-kinesis")

LOOP = r'''
import json, sys
import boto3
endpoint, stream, out_path = sys.argv[1:4]
client = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-west-2",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
with open(out_path, "w") as out:
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        shard_id = shard["ShardId"]
        iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            answer = client.get_records(ShardIterator=iterator, Limit=10000)
            for record in answer["Records"]:
                event = json.loads(record["Data"])
                current = event.get("CurrentAgentSnapshot") or {}
                status = current.get("AgentStatus") or {}
                row = {"event_id": event["EventId"], "event_type": event["EventType"],
                       "event_timestamp": event["EventTimestamp"], "agent_arn": event["AgentARN"],
                       "instance_arn": event["InstanceARN"], "agent_status_name": status.get("Name"),
                       "agent_status_type": status.get("Type"), "contacts": current.get("Contacts"),
                       "previous_snapshot": event.get("PreviousAgentSnapshot"), "shard_id": shard_id,
                       "sequence_number": record["SequenceNumber"],
                       "approximate_arrival_timestamp": record["ApproximateArrivalTimestamp"].isoformat()}
                out.write(json.dumps(row) + "\n")
            iterator = answer.get("NextShardIterator")
            if not answer.get("MillisBehindLatest"):
                break
'''

CONTENDERS = {
    "batch": "tap-connect-kinesis, BATCH messages (files included)",
    "record": "tap-connect-kinesis, `message_format: record`",
    "loop": "a hand-written boto3 loop writing JSON lines",
}
BEFORE = {"batch-before": "batch", "record-before": "record"}  # the previous design's contenders
ROOT = HERE.parents[2]


def simulated_records(count: int, queues: int = 6) -> Iterator[bytes]:
    world = World(WorldConfig(agents_per_instance=200, seed=1, standard_queues_per_instance=queues))
    events = []
    world.add_event_sink(events.append)
    world.clock.advance(8 * 3600)
    world.sync()
    encoder = AgentEventEncoder(world.directory)
    documents = [(encoder.encode(e), e.event_id.encode()) for e in events]
    # every copy gets an event id of its own, so no row is deduplicated away
    return (data.replace(event_id, f"{n:08d}".encode() + event_id[8:])
            for n, (data, event_id) in enumerate(itertools.islice(itertools.cycle(documents), count)))


def fast_moto_puts() -> None:
    """moto 5.2.5 finds a shard's last sequence number by listing every key, each put:
    quadratic for a million records. The benchmark's server looks at the last key only."""
    from moto.kinesis import models

    def last(self):
        return next(reversed(self.records)) if self.records else 0

    models.Shard.get_max_sequence_number = last


def fill(endpoint: str, stream: str, documents: Iterator[bytes]) -> tuple[int, int]:
    """Put the documents, 500 a call; (count, bytes)."""
    client = moto_client(endpoint)
    count = size = 0
    while page := list(itertools.islice(documents, 500)):
        client.put_records(StreamName=stream, Records=[
            {"Data": data, "PartitionKey": f"agent-{count + n}"} for n, data in enumerate(page)])
        count += len(page)
        size += sum(len(data) for data in page)
    return count, size


def previous_sources(revision: str, work: Path) -> Path:
    """The tap's sources at a git revision (tap-connect-kinesis, libs/wfm-aws), for PYTHONPATH."""
    tree = work / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "tap-connect-kinesis", "libs/wfm-aws"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def command(contender: str, endpoint: str, stream: str, work: Path, profile: Path | None = None) -> list[str]:
    if contender == "loop":
        return [sys.executable, "-c", LOOP, endpoint, stream, str(work / "loop.jsonl")]
    if contender in BEFORE:  # the previous design's modules first on the path, the same packages after
        tree = work / "before"
        path = f"{tree / 'tap-connect-kinesis'}:{tree / 'libs' / 'wfm-aws'}"
        return ["env", f"PYTHONPATH={path}", *command(BEFORE[contender], endpoint, stream, work / "before", profile)]
    config = {"stream_name": stream, "aws_endpoint_url": endpoint, "aws_region": "us-west-2",
              "aws_access_key_id": "testing", "aws_secret_access_key": "testing",
              "collection_interval_seconds": 1, "stop_when_caught_up": True,
              "batch_directory": str(work / "batches"), "batch_file_retention_seconds": 1,
              "dead_letter_path": str(work / "dead.jsonl"),
              "message_format": "record" if contender == "record" else "batch"}
    path = work / f"config-{contender}.json"
    path.write_text(json.dumps(config))
    if profile:
        return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "tap_connect_kinesis.tap",
                "--config", str(path)]
    return [str(TAP), "--config", str(path)]


# Runs each contender and reports its wait4 usage. A small process of its own, started before
# this one holds the events: a child forked from a large process inherits its peak RSS.
LAUNCHER = r'''
import json, os, subprocess, sys, time
for line in sys.stdin:
    argv, out_path, err_path = json.loads(line)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime,
                      usage.ru_maxrss / 1024, time.perf_counter() - started]), flush=True)
'''


class Launcher:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def run(self, argv: list[str], work: Path) -> tuple[float, float, float]:
        """(CPU s, peak RSS MB, wall s) of one process and its children."""
        self.process.stdin.write(json.dumps([argv, str(work / "stdout"), str(work / "stderr")]) + "\n")
        self.process.stdin.flush()
        code, used, rss, wall = json.loads(self.process.stdout.readline())
        if code:
            raise SystemExit(f"{argv[:3]} failed ({code}):\n{(work / 'stderr').read_text()[-3000:]}")
        return used, rss, wall

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=list(CONTENDERS), default=list(CONTENDERS))
    parser.add_argument("--before", metavar="REV", help="also run the tap as it was at this git revision")
    parser.add_argument("--queues", type=int, default=6, help="standard queues per instance (event size)")
    parser.add_argument("--profile", choices=["batch", "record"], help="one cProfile'd run, top functions")
    args = parser.parse_args()
    contenders = list(args.only)
    if args.before:
        contenders += [before for before, now in BEFORE.items() if now in args.only]
    launcher = Launcher()
    run = launcher.run
    fast_moto_puts()
    documents = simulated_records(args.events, args.queues)
    with MotoServer() as server, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.before:
            previous_sources(args.before, work)
        endpoint = server.endpoint_url
        empty, full = f"empty-{uuid.uuid4().hex[:8]}", f"events-{uuid.uuid4().hex[:8]}"
        create_stream(endpoint, empty, shards=2)
        create_stream(endpoint, full, shards=2)
        started = time.perf_counter()
        _, total = fill(endpoint, full, documents)
        size = total / args.events
        print(f"{args.events:,} events of {size:,.0f} bytes on average in 2 shards "
              f"(put in {time.perf_counter() - started:.0f} s)", flush=True)
        if args.profile:
            profile = work / "profile.out"
            run(command(args.profile, endpoint, full, work, profile), work)
            import pstats

            stats = pstats.Stats(str(profile))
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
            return
        startup = {c: statistics.median(run(command(c, endpoint, empty, work), work)[0] for _ in range(3))
                   for c in contenders}
        results: dict[str, list[tuple[float, float, float]]] = {c: [] for c in contenders}
        for round_ in range(args.runs):
            for contender in contenders:
                used, rss, wall = run(command(contender, endpoint, full, work), work)
                results[contender].append((used - startup[contender], rss, wall))
                print(f"  run {round_ + 1} {contender:13s} {used:7.2f} s CPU (start-up {startup[contender]:.2f} s) "
                      f"{wall:7.2f} s wall  peak RSS {rss:5.0f} MB", flush=True)
    print(f"\n{args.events:,} events of {size:,.0f} bytes, 2 shards (moto), {args.runs} runs each alternating; "
          "whole process user + sys CPU minus start-up; median run\n")
    medians = {contender: statistics.median(r[0] for r in rows) for contender, rows in results.items()}
    loop = medians.get("loop")
    print("| consumer | µs/event | events/s per core | peak RSS | ÷ loop (same run) |\n|---|---|---|---|---|")
    for contender, rows in results.items():
        used = medians[contender]
        rss = max(r[1] for r in rows)
        spread = f" ({min(r[0] for r in rows) / args.events * 1e6:.1f}–{max(r[0] for r in rows) / args.events * 1e6:.1f})"
        name = (f"before ({args.before}): {CONTENDERS[BEFORE[contender]]}" if contender in BEFORE
                else CONTENDERS[contender])
        ratio = f"{used / loop:.2f}" if loop else "–"
        print(f"| {name} | {used / args.events * 1e6:.1f}{spread} | {args.events / used:,.0f} | {rss:.0f} MB | {ratio} |")
    launcher.close()


if __name__ == "__main__":
    main()
