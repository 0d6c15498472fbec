"""connect-sim: serve, generate and explain a simulated Amazon Connect contact centre.

  connect-sim serve     the Connect API over HTTP (+ agent events into Kinesis), until Ctrl-C
  connect-sim generate  write a stretch of simulated time to files (byte-for-byte repeatable)
  connect-sim truth     print what really happened: interval volumes, agent states, schedule
  connect-sim demo      a short tour: simulate, serve, read it back with boto3, compare to truth
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import timedelta
from pathlib import Path

from .clock import FixedClock
from .config import WorldConfig, parse_utc, to_ms
from .faults import FaultPlan
from .kinesis.event_json import DEFAULT_EVENT_SHAPE, EVENT_SHAPES
from .world import World


def world_config(args: argparse.Namespace) -> WorldConfig:
    return WorldConfig(
        seed=args.seed,
        start=parse_utc(args.start),
        instances=args.instances,
        agents_per_instance=args.agents,
        standard_queues_per_instance=args.queues,
        volume_scale=args.volume_scale,
        **({"time_zones": tuple(z.strip() for z in args.time_zone.split(","))} if args.time_zone else {}),
    )


def add_world_options(parser: argparse.ArgumentParser, start_default: str = "2026-11-02") -> None:
    group = parser.add_argument_group("the simulated world (same values → same world)")
    group.add_argument("--seed", type=int, default=42)
    group.add_argument("--start", default=start_default, help="UTC start of the simulation (ISO 8601)")
    group.add_argument("--instances", type=int, default=1, help="Connect instances")
    group.add_argument("--agents", type=int, default=40, help="agents per instance")
    group.add_argument("--queues", type=int, default=6, help="standard queues per instance")
    group.add_argument("--volume-scale", type=float, default=1.0, help="multiplies contact volume")
    group.add_argument("--time-zone", default="",
                       help="site time zone(s) of the instances, comma-separated IANA names "
                            "(default: America/Chicago, Europe/London, Asia/Manila, Australia/Sydney)")


def add_fault_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fault injection")
    group.add_argument("--throttle-rate", type=float, default=0.0, help="share of API calls throttled")
    group.add_argument("--throttle-burst", type=float, default=0.0,
                       help="seconds of throttling at the start of every burst period")
    group.add_argument("--throttle-burst-period", type=float, default=60.0)
    group.add_argument("--realistic-quotas", action="store_true",
                       help="throttle each operation beyond Connect's documented quota "
                            "(GetMetricData, GetCurrentMetricData 5/s burst 8; others 2/s burst 5)")
    group.add_argument("--access-denied", default="",
                       help="comma-separated operations answered with AccessDenied (e.g. GetMetricDataV2)")
    group.add_argument("--restate-window", type=int, default=0,
                       help="seconds after a contact ends during which its figures may still be missing")
    group.add_argument("--slow-ms", type=int, default=0, help="added latency per API call")
    group.add_argument("--duplicate-rate", type=float, default=0.0,
                       help="share of agent events written to Kinesis twice")
    group.add_argument("--fault-seed", type=int, default=0)


def add_event_shape_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--event-shape", choices=EVENT_SHAPES, default=DEFAULT_EVENT_SHAPE,
                        help="agent event documents: 'documented' (only the fields of AWS's data "
                             "model) or 'full' (also AgentStatus.Type, NextAgentStatus.EnqueuedTimestamp)")


def fault_plan(args: argparse.Namespace) -> FaultPlan:
    return FaultPlan(
        throttle_rate=args.throttle_rate,
        throttle_burst_s=args.throttle_burst,
        throttle_burst_period_s=args.throttle_burst_period,
        realistic_quotas=args.realistic_quotas,
        access_denied=frozenset(op.strip() for op in args.access_denied.split(",") if op.strip()),
        restate_window_s=args.restate_window,
        slow_ms=args.slow_ms,
        duplicate_rate=args.duplicate_rate,
        seed=args.fault_seed,
    )


def cmd_generate(args: argparse.Namespace) -> int:
    from .export import export_world

    config = world_config(args)
    world = World(config, FixedClock(config.start_ms))
    length = timedelta(hours=args.hours) if args.hours else timedelta(days=args.days)
    end = config.start + length
    counts = export_world(world, Path(args.out), to_ms(end), args.event_shape)
    for name, rows in counts.items():
        print(f"{rows:>9}  {Path(args.out) / name}")
    return 0


def cmd_truth(args: argparse.Namespace) -> int:
    from . import truth

    config = world_config(args)
    start, end = to_ms(parse_utc(args.window_from)), to_ms(parse_utc(args.window_to))
    world = World(config, FixedClock(max(end, config.start_ms)))
    if end <= start:
        raise SystemExit("--to must be after --from")
    instance_ids = [i.id for i in world.directory.instances]
    if args.what == "volume":
        rows = [row for iid in instance_ids for row in truth.interval_volume(
            world, iid, start, end, args.interval, args.threshold, dense=not args.sparse)]
    elif args.what == "states":
        rows = [_plain(p) for iid in instance_ids for p in truth.state_timeline(world, iid, start, end)]
    else:
        rows = [_plain(s) for iid in instance_ids for s in truth.schedule(world, iid, start, end)]
    _print_rows(rows, args.format)
    return 0


def _plain(obj) -> dict:
    from dataclasses import asdict

    from .truth import iso

    row = asdict(obj)
    for key in ("start_ms", "end_ms"):
        row[key.removesuffix("_ms") + "_at"] = iso(row.pop(key))
    return row


def _print_rows(rows: list[dict], fmt: str) -> None:
    if fmt == "jsonl":
        for row in rows:
            print(json.dumps(row, sort_keys=True))
        return
    if not rows:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connect-sim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the Connect API and stream agent events")
    add_world_options(serve, start_default="")
    add_fault_options(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8421)
    serve.add_argument("--history-days", type=float, default=7.0,
                       help="days simulated before the server opens (from --start, or before now "
                            "when --start is not given)")
    serve.add_argument("--until-now", action="store_true",
                       help="simulate from --start up to the wall clock's now, then go on (×speed): a "
                            "server restarted with the same --start, --seed and world options continues "
                            "the same world where the last one left off, with the same events and ids "
                            "(instead of opening --history-days after --start)")
    serve.add_argument("--speed", type=float, default=1.0,
                       help="simulated seconds per wall second (1 = real time; 1440 = a day per minute)")
    serve.add_argument("--kinesis-endpoint", default="",
                       help="Kinesis endpoint for agent events; 'moto' starts a local one")
    serve.add_argument("--stream-name", default="connect-agent-events")
    serve.add_argument("--shards", type=int, default=2)
    serve.add_argument("--kinesis-backlog-hours", type=float, default=0.0,
                       help="also write the agent events of this many hours before now")
    add_event_shape_option(serve)
    serve.set_defaults(func=_cmd_serve)

    generate = commands.add_parser("generate", help="write simulated time to files")
    add_world_options(generate)
    generate.add_argument("--days", type=float, default=1.0)
    generate.add_argument("--hours", type=float, default=0.0, help="overrides --days")
    generate.add_argument("--out", required=True, help="output folder")
    add_event_shape_option(generate)
    generate.set_defaults(func=cmd_generate)

    truth = commands.add_parser("truth", help="print ground truth for a window")
    add_world_options(truth)
    truth.add_argument("what", choices=("volume", "states", "schedule"))
    truth.add_argument("--from", dest="window_from", required=True)
    truth.add_argument("--to", dest="window_to", required=True)
    truth.add_argument("--interval", type=int, default=15, choices=(15, 30, 60))
    truth.add_argument("--threshold", type=int, action="append", default=None,
                       help="service-level threshold in seconds (repeatable; default 20)")
    truth.add_argument("--sparse", action="store_true", help="omit intervals without contacts")
    truth.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    truth.set_defaults(func=cmd_truth)

    demo = commands.add_parser("demo", help="simulate, serve and read back a contact centre")
    add_world_options(demo)
    demo.add_argument("--hours", type=float, default=24.0)
    add_event_shape_option(demo)
    demo.set_defaults(func=_cmd_demo)
    return parser


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(args)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import demo

    return demo(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "threshold", "absent") is None:
        args.threshold = [20]
    try:
        return args.func(args)
    except BrokenPipeError:  # `connect-sim truth ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())


