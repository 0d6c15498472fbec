"""`connect-sim serve`: the Connect API over HTTP and agent events into Kinesis, until stopped."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import threading
from datetime import UTC, datetime, timedelta

from .clock import ScaledClock
from .config import parse_utc, to_ms
from .ids import kinesis_stream_arn
from .world import World

QUARTER_HOUR = timedelta(minutes=15)
SYNC_EVERY_S = 0.2


def _default_start(history_days: float) -> datetime:
    start = datetime.now(UTC) - timedelta(days=history_days)
    return start - (start - datetime(2000, 1, 1, tzinfo=UTC)) % QUARTER_HOUR


def launch_ms_of(args: argparse.Namespace, wall_now: datetime | None = None) -> int:
    """The simulated time the server opens at: --history-days after --start, or with
    --until-now the wall clock's now (the world simulated from --start up to it)."""
    start = parse_utc(args.start)
    if not getattr(args, "until_now", False):
        return to_ms(start + timedelta(days=args.history_days))
    now = wall_now or datetime.now(UTC)
    if start > now:
        raise SystemExit(f"connect-sim serve: --start {args.start} is in the future: --until-now "
                         "simulates from --start up to now")
    return to_ms(now)


def serve(args: argparse.Namespace) -> int:
    from .api.server import start_server
    from .cli import fault_plan, world_config

    if getattr(args, "until_now", False) and not args.start:
        raise SystemExit("connect-sim serve: --until-now continues the world of --start: give --start")
    if not args.start:
        args.start = _default_start(args.history_days).isoformat()
    config = world_config(args)
    if args.kinesis_endpoint:  # the instances' agent event stream, as ListInstanceStorageConfigs shows it
        config = dataclasses.replace(config, agent_event_stream_arn=kinesis_stream_arn(
            config.region, config.account_id, args.stream_name))
    launch_ms = launch_ms_of(args)
    world = World(config, ScaledClock(launch_ms, args.speed), fault_plan(args))

    stack = []  # things to stop, last started first
    try:
        kinesis_endpoint, writer = _start_kinesis(args, world, launch_ms, stack)
        world.sync()  # simulate the history before taking calls
        if writer is not None:  # the backlog is in the stream when the server says it is open
            writer.flush()
        server = start_server(world, host=args.host, port=args.port)
        stack.append(server.stop)
        _announce(world, server.url, args, kinesis_endpoint)
        _run_until_stopped(world)
    finally:
        for stop in reversed(stack):
            stop()
    return 0


def _start_kinesis(args, world: World, launch_ms: int, stack: list):
    """Start writing agent events to Kinesis (a local moto one if asked); returns the endpoint
    and the writer (None, None without Kinesis)."""
    if not args.kinesis_endpoint:
        return None, None
    from .kinesis.event_json import AgentEventEncoder
    from .kinesis.moto_server import MotoServer, create_stream, moto_client
    from .kinesis.writer import KinesisEventWriter

    endpoint = args.kinesis_endpoint
    if endpoint == "moto":
        moto = MotoServer(host=args.host).start()
        stack.append(moto.stop)
        endpoint = moto.endpoint_url
    region = world.config.region
    create_stream(endpoint, args.stream_name, args.shards, region=region)
    client = moto_client(endpoint, "kinesis", region)
    encoder = AgentEventEncoder(world.directory, args.event_shape)
    writer = KinesisEventWriter(client, args.stream_name, encoder, world.faults)
    stack.append(writer.close)
    backlog_from = launch_ms - int(args.kinesis_backlog_hours * 3_600_000)

    def send_recent(event) -> None:
        if event.timestamp_ms >= backlog_from:
            writer.on_event(event)

    world.add_event_sink(send_recent)
    return endpoint, writer


def _announce(world: World, url: str, args, kinesis_endpoint: str | None) -> None:
    now = datetime.fromtimestamp(world.now_ms / 1000, UTC)
    print(f"Simulated Amazon Connect at {url} (region {world.config.region}); "
          f"simulated time {now:%Y-%m-%d %H:%M:%S}Z, speed ×{args.speed:g}")
    config = world.config
    print(f"World: start {config.start.isoformat().replace('+00:00', 'Z')}, seed {config.seed}, "
          f"time zone {','.join(config.time_zones)}")
    for instance in world.directory.instances:
        print(f"  instance {instance.id}  ({instance.alias}, {instance.time_zone})")
    if kinesis_endpoint:
        print(f"Agent events ({args.event_shape} shape) → Kinesis stream '{args.stream_name}' "
              f"at {kinesis_endpoint}")
    print(f"Try: aws connect list-queues --endpoint-url {url} --instance-id "
          f"{world.directory.instances[0].id}")
    print("Ctrl-C to stop.", flush=True)


def _run_until_stopped(world: World) -> None:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        world.sync()
        stop.wait(SYNC_EVERY_S)
