"""`connect-sim demo`: simulate a stretch of a contact centre, serve it, read it back the way
a production pipeline does (boto3 against the Connect API, GetRecords from Kinesis) and
compare what came back with the ground truth.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from datetime import UTC, datetime

from . import truth
from .clock import FixedClock
from .world import World

STREAM = "connect-agent-events"
HOUR_MS = 3_600_000
SL_THRESHOLD_S = 20


def demo(args: argparse.Namespace) -> int:
    import boto3

    from .api.server import start_server
    from .cli import world_config
    from .kinesis.event_json import AgentEventEncoder
    from .kinesis.moto_server import MotoServer, create_stream
    from .kinesis.readback import read_stream
    from .kinesis.writer import KinesisEventWriter

    config = world_config(args)
    world = World(config, FixedClock(config.start_ms))
    end_ms = config.start_ms + int(args.hours * HOUR_MS)
    report = Report()
    with MotoServer() as kinesis:
        create_stream(kinesis.endpoint_url, STREAM, shards=2, region=config.region)
        encoder = AgentEventEncoder(world.directory, args.event_shape)
        writer = KinesisEventWriter(kinesis.client(), STREAM, encoder)
        world.add_event_sink(writer.on_event)
        started = time.monotonic()
        world.clock.set(end_ms)
        world.sync()
        writer.flush(timeout=120)
        writer.close()
        elapsed = time.monotonic() - started
        report.line(f"Simulated {args.hours:g} h of {config.instances} instance(s) × "
                    f"{config.agents_per_instance} agents from {_when(config.start_ms)} in {elapsed:.1f} s; "
                    f"{writer.stats.records_written} agent events written to Kinesis.")
        server = start_server(world)
        try:
            connect = boto3.client("connect", endpoint_url=server.url, region_name=config.region,
                                   aws_access_key_id="demo", aws_secret_access_key="demo")
            ok = _compare_volumes(connect, world, config.start_ms, end_ms, report)
            records = read_stream(kinesis.client(), STREAM)
            ok &= _compare_states(records, world, config.start_ms, end_ms, report)
        finally:
            server.stop()
    report.line("Everything read back through the AWS APIs matches the ground truth."
                if ok else "MISMATCH between what the APIs returned and the ground truth.")
    return 0 if ok else 1


class Report:
    def line(self, text: str = "") -> None:
        print(text, flush=True)

    def table(self, header: list[str], rows: list[list]) -> None:
        widths = [max(len(str(v)) for v in column) for column in zip(header, *rows, strict=True)]
        for row in [header, ["-" * w for w in widths], *rows]:
            self.line("  ".join(str(v).rjust(w) if i else str(v).ljust(w)
                                for i, (v, w) in enumerate(zip(row, widths, strict=True))))


def _when(t_ms: int) -> str:
    return datetime.fromtimestamp(t_ms / 1000, UTC).strftime("%Y-%m-%d %H:%MZ")


def _metric_rows(connect, instance, start_ms: int, end_ms: int, queue_ids: list[str]) -> list[dict]:
    """Every 15-minute row GetMetricDataV2 has for these queues (paginated, ≤100 queues a call)."""
    rows = []
    for batch in range(0, len(queue_ids), 100):
        kwargs = {
            "ResourceArn": instance["Arn"],
            "StartTime": datetime.fromtimestamp(start_ms / 1000, UTC),
            "EndTime": datetime.fromtimestamp(end_ms / 1000, UTC),
            "Interval": {"IntervalPeriod": "FIFTEEN_MIN", "TimeZone": "UTC"},
            "Filters": [{"FilterKey": "QUEUE", "FilterValues": queue_ids[batch:batch + 100]}],
            "Groupings": ["QUEUE", "CHANNEL"],
            "Metrics": [
                # offered = queued, by the interval of arrival (truth's contacts_offered)
                {"Name": "CONTACTS_QUEUED_BY_ENQUEUE"}, {"Name": "CONTACTS_HANDLED"},
                {"Name": "CONTACTS_ABANDONED"},
                {"Name": "SUM_CONTACTS_ANSWERED_IN_X", "Threshold": [
                    {"Comparison": "LT", "ThresholdValue": SL_THRESHOLD_S}]},
                {"Name": "SUM_HANDLE_TIME"},
            ],
            "MaxResults": 100,
        }
        while True:
            page = connect.get_metric_data_v2(**kwargs)
            rows.extend(page["MetricResults"])
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return rows


def _compare_volumes(connect, world: World, start_ms: int, end_ms: int, report: Report) -> bool:
    ok = True
    names = {}
    for instance in connect.list_instances()["InstanceSummaryList"]:
        queues = connect.get_paginator("list_queues").paginate(
            InstanceId=instance["Id"], QueueTypes=["STANDARD"]).build_full_result()["QueueSummaryList"]
        names.update({q["Id"]: q["Name"] for q in queues})
        got: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0.0])
        for row in _metric_rows(connect, instance, start_ms, end_ms, [q["Id"] for q in queues]):
            values = {c["Metric"]["Name"]: c.get("Value", 0.0) for c in row["Collections"]}
            totals = got[row["Dimensions"]["QUEUE"]]
            for i, name in enumerate(("CONTACTS_QUEUED_BY_ENQUEUE", "CONTACTS_HANDLED", "CONTACTS_ABANDONED",
                                      "SUM_CONTACTS_ANSWERED_IN_X", "SUM_HANDLE_TIME")):
                totals[i] += values.get(name) or 0
        expected: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0.0])
        for row in truth.interval_volume(world, instance["Id"], start_ms, end_ms, dense=False,
                                         thresholds_s=(SL_THRESHOLD_S,)):
            if row["queue_id"] in names:
                totals = expected[row["queue_id"]]
                for i, key in enumerate(("contacts_offered", "contacts_handled", "contacts_abandoned",
                                         f"contacts_answered_in_{SL_THRESHOLD_S}s", "handle_time_seconds")):
                    totals[i] += row[key]
        report.line()
        report.line(f"Contact volume per queue, {instance['InstanceAlias']} "
                    f"(GetMetricDataV2, 15-minute rows summed; truth in brackets)")
        rows = []
        for queue_id in sorted(expected, key=lambda q: names[q]):
            g, e = got[queue_id], expected[queue_id]
            same = [int(a) == int(b) for a, b in zip(g[:4], e[:4], strict=True)] + [abs(g[4] - e[4]) < 0.01]
            ok &= all(same)
            service = f"{100 * g[3] / g[0]:.0f}%" if g[0] else "-"
            aht = f"{g[4] / g[1]:.0f} s" if g[1] else "-"
            counts = [f"{int(a)} ({int(b)})" for a, b in zip(g[:3], e[:3], strict=True)]
            rows.append([names[queue_id], *counts, service, aht, "ok" if all(same) else "DIFFERS"])
        report.table(["queue", "offered", "handled", "abandoned", f"SL {SL_THRESHOLD_S}s", "AHT", ""], rows)
    return ok


def _compare_states(records, world: World, start_ms: int, end_ms: int, report: Report) -> bool:
    from .replay import replay, status_types_of

    documents = sorted((json.loads(r.data) for r in records),
                       key=lambda d: (d["AgentARN"], d["EventTimestamp"]))
    rebuilt = replay(_dedupe(documents), logged_out_since_ms=start_ms,
                     status_types=status_types_of(world.directory))
    ok, agents, seconds = True, 0, defaultdict(float)
    for instance in world.directory.instances:
        expected = defaultdict(list)
        for period in truth.state_timeline(world, instance.id, start_ms, end_ms):
            expected[period.user_id].append(period)
        for user_id, periods in expected.items():
            got = [p for p in rebuilt.get((instance.id, user_id), []) if p.start_ms < end_ms]
            if not got:  # no event at all: the agent stayed logged out
                ok &= [p.activity for p in periods] == ["LOGGED_OUT"]
            else:
                ok &= _same_timeline(got, periods, end_ms)
            agents += 1
            for p in periods:
                state = p.activity if p.activity != "STATUS" else p.status_name
                seconds[state] += (p.end_ms - p.start_ms) / 1000
    report.line()
    report.line(f"Agent states rebuilt from {len(records)} Kinesis records for {agents} agents "
                f"({'equal to' if ok else 'DIFFERENT from'} the true timelines). Hours per state:")
    total = sum(seconds.values()) or 1
    report.table(["state", "hours", "share"], [
        [state, f"{value / 3600:.1f}", f"{100 * value / total:.1f}%"]
        for state, value in sorted(seconds.items(), key=lambda kv: -kv[1])])
    return ok


def _dedupe(documents):
    seen = set()
    for document in documents:
        if document["EventId"] not in seen:
            seen.add(document["EventId"])
            yield document


def _same_timeline(got, expected, end_ms: int) -> bool:
    def key(p, end):
        return (p.start_ms, min(p.end_ms if p.end_ms is not None else end, end), p.activity, p.status_id,
                p.contact_id)

    return [key(p, end_ms) for p in got] == [key(p, end_ms) for p in expected]
