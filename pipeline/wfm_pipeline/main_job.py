"""The main job: both taps into the warehouse, dbt builds the WFM tables, then the report.

Without AWS settings it runs against the built-in simulated contact centre into an embedded
PostgreSQL it starts itself (the demo's warehouse), unless WFM_PG_HOST names a PostgreSQL or
WFM_DUCKDB_PATH a DuckDB file; with AWS settings, against the real Amazon Connect.

Run it any number of times, in any minute: each run collects what is new since the last.
With the simulator, the warehouse keeps the simulated world's identity
(simulated_world.py); each run serves that world again, simulated up to now, so it goes on
in real time where the last run left off; the taps re-read a stretch they had read before
(the same events under the same ids: the target upserts them) and the warehouse gains only
what is new. The job says how much is new.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from . import report, simulated_world
from .demo_schedule import simulated_schedule, write_schedule, write_site_time_zones
from .embedded_postgres import meltano_database_beside, reachable, with_state_in_warehouse
from .meltano_runner import MeltanoRunner
from .settings import PipelineSettings
from .simulator_service import SimulatorService, busiest_zone
from .warehouse import RAW_SCHEMA, WFM_SCHEMA, as_utc, connect, table_exists

STARTUP_SECONDS = 6  # meltano and the tap start before the tap's own clock (max_run_seconds) runs


class JobStopped(RuntimeError):
    """The job cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Counts:
    """What the warehouse holds, to say what a run added."""

    events: int = 0
    newest_event: datetime | None = None
    intervals: int = 0  # rows of wfm_interval_volume
    newest_interval: datetime | None = None  # the newest interval with contacts
    periods: int = 0  # rows of wfm_agent_state_transaction


def counts(settings: PipelineSettings) -> Counts:
    with connect(settings) as query:
        events = newest_event = None
        if table_exists(query, RAW_SCHEMA, "agent_events"):
            # distinct: agent events are appended, a re-delivered one is a row of its own
            row = query(f"select count(distinct event_id) as n, max(event_timestamp) as t "
                        f"from {RAW_SCHEMA}.agent_events")[0]
            events, newest_event = row["n"], row["t"]
        intervals = newest_interval = periods = None
        if table_exists(query, WFM_SCHEMA, "wfm_interval_volume"):
            row = query(f"""select count(*) as n, max(case when contacts_offered + contacts_handled
                                + contacts_abandoned > 0 then interval_start_at end) as t
                            from {WFM_SCHEMA}.wfm_interval_volume""")[0]
            intervals, newest_interval = row["n"], row["t"]
        if table_exists(query, WFM_SCHEMA, "wfm_agent_state_transaction"):
            periods = query(f"select count(*) as n from {WFM_SCHEMA}.wfm_agent_state_transaction")[0]["n"]
    return Counts(int(events or 0), as_utc(newest_event), int(intervals or 0), as_utc(newest_interval),
                  int(periods or 0))


def run(settings: PipelineSettings, live_seconds: int = 60, history_days: float = 2.0) -> int:
    simulated = settings.source == "simulator"
    environment = settings.env.get("MELTANO_ENVIRONMENT") or ("demo" if simulated else "prod")
    where = {"postgres": "PostgreSQL", "duckdb": "a DuckDB file", "embedded": "an embedded PostgreSQL"}
    _ = settings.report_targets  # a bad report setting fails now, not after the run
    print(f"Amazon Connect → WFM: reading {'the built-in simulated contact centre' if simulated else 'Amazon Connect'}"
          f" into {where[settings.warehouse]} (Meltano environment {environment}).")
    with reachable(settings) as settings:
        return _run(with_state_in_warehouse(settings), environment, simulated, live_seconds, history_days)


def _start_over_hint(settings: PipelineSettings) -> str:
    if settings.warehouse == "embedded":
        return f"to start afresh: ./wfm stop, then delete {settings.output_dir}"
    if settings.warehouse == "duckdb":
        return (f"to start afresh, delete {settings.duckdb_path} and "
                f"{meltano_database_beside(settings.duckdb_path)} (its Meltano state)")
    return "to start afresh, use an empty database (or drop its schemas raw, meltano, wfm_input and wfm*)"


def _local(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return "-"
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M:%S} {report.zone_abbreviation(zone, moment)}"


def _world(settings: PipelineSettings, history_days: float) -> simulated_world.WorldIdentity:
    try:
        world = simulated_world.load(settings)
    except simulated_world.UnrecordedWorld as error:
        raise JobStopped(f"wfm-pipeline: {error}; {_start_over_hint(settings)}") from None
    if world is None:
        world = simulated_world.WorldIdentity.create(datetime.now(UTC), history_days, busiest_zone())
    return world


def _run(settings: PipelineSettings, environment: str, simulated: bool, live_seconds: int,
         history_days: float) -> int:
    runner = MeltanoRunner(settings.project_root, settings.output_dir / "logs", settings.env, environment)
    plugins = ["tap-amazon-connect", "tap-amazon-connect-config", "tap-amazon-connect-history",
               "tap-amazon-connect-reconciliation", "tap-connect-kinesis", settings.loader, settings.dbt]
    runner.step("Installing the pipeline's plugins", "install", *plugins)
    before = counts(settings)
    zone = "UTC"

    with contextlib.ExitStack() as stack:
        extra: dict[str, str] = {}
        dbt_env: dict[str, str] = {}
        if simulated:
            world = _world(settings, history_days)
            now = datetime.now(UTC)
            backlog_from = world.backlog_from(now, before.newest_event)
            print("  Starting the simulated contact centre ...", end="", flush=True)
            endpoints = stack.enter_context(SimulatorService(
                settings.output_dir / "logs" / "simulator.log", agents=world.agents, seed=world.seed,
                time_zone=world.time_zone, start=world.start,
                backlog_hours=(now - backlog_from).total_seconds() / 3600 + 0.01))
            if world.new:
                simulated_world.save(settings, world)
            zone = endpoints.time_zone
            extra = endpoints.tap_env(world.history_start, live_seconds)
            # Connect's per-agent time from an hour after the first agent events collected: before,
            # the events are not there to reconcile (later runs go on from the tap's state)
            collected = (now - simulated_world.parse(world.events_from)).total_seconds() // 3600
            extra["TAP_AMAZON_CONNECT_AGENT_ACTIVITY_BACKFILL_HOURS"] = str(int(max(1, min(24, collected - 1))))
            print(f" {endpoints.agents} agents, site time zone {endpoints.time_zone}")
            if world.new:
                print(f"    a new simulated world (seed {world.seed}, start {world.start}), kept in the warehouse "
                      f"({simulated_world.SCHEMA}.{simulated_world.TABLE}): the next run continues it")
            else:
                print(f"    the world of the last run (seed {world.seed}, start {world.start}), simulated up to now; "
                      f"agent events re-read from {_local(backlog_from, zone)}, "
                      f"{before.events} loaded before this run")
        else:
            extra = {"TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP": settings.env.get(
                "TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP", "true")}
        if settings.warehouse == "duckdb":  # target-duckdb reads RECORD messages, not BATCH
            extra["TAP_CONNECT_KINESIS_MESSAGE_FORMAT"] = "record"
        loader = settings.loader
        runner.step("Configuration: instances, queues, agents, statuses", "run",
                    "tap-amazon-connect-config", loader, extra_env=extra)
        runner.step("History: queue volume per 15-minute interval", "run",
                    "tap-amazon-connect-history", loader, extra_env=extra)
        runner.step("Reconciliation: Connect's own time per agent and interval", "run",
                    "tap-amazon-connect-reconciliation", loader, extra_env=extra)
        runner.step("Raw tables: an earlier version's reshaped, if any", "run",
                    f"{settings.dbt}:migrate-raw")
        what = f"{live_seconds} s of live agent events" if simulated else "agent events until caught up"
        with _event_progress(settings, before, live_seconds if simulated else None) as progress:
            runner.step(f"Adherence: {what}", "run", "tap-connect-kinesis", loader, extra_env=extra,
                        progress=progress)
        loaded = counts(settings)
        print(f"    agent events: {loaded.events - before.events} new this run, {loaded.events} in the warehouse, "
              f"the newest of {_local(loaded.newest_event, zone)}")
        if simulated:
            now = datetime.now(UTC)
            relation = write_schedule(settings, simulated_schedule(
                endpoints, simulated_world.parse(world.events_from), now))
            zones = write_site_time_zones(settings, endpoints.instances)
            dbt_env = {"WFM_SCHEDULE_RELATION": relation, "WFM_SITE_TIME_ZONES_RELATION": zones}
            print(f"  Schedule: the simulated agents' shift plan, in {relation}; site time zones in {zones}")
    runner.step("dbt: building the WFM tables", "run", f"{settings.dbt}:build", extra_env=dbt_env)
    built = counts(settings)
    newest = (f", the newest with contacts {_local(built.newest_interval, zone)}" if built.newest_interval else "")
    print(f"  New this run: {loaded.events - before.events} agent events, "
          f"{built.periods - before.periods} agent state periods, {built.intervals - before.intervals} queue "
          f"intervals{newest}")

    report_text, path = report.write(settings)
    print()
    print(report_text)
    print()
    print(f"Report with charts: {path}")
    if settings.warehouse == "duckdb":
        print(f"WFM tables: {settings.duckdb_path} (schema wfm)")
    elif settings.warehouse == "embedded":
        print(f"WFM tables: schema wfm of the embedded PostgreSQL: psql -h {settings.env['WFM_PG_HOST']} "
              f"-U postgres wfm  (it keeps running; ./wfm stop stops it)")
    print(f"Logs: {settings.output_dir / 'logs'}")
    return 0


@contextlib.contextmanager
def _event_progress(settings: PipelineSettings, before: Counts, live_seconds: int | None):
    """progress(elapsed) for the agent event step: events in the warehouse so far (new ones
    among them), time left. DuckDB's file is the loader's while it runs: time only."""
    started = datetime.now(UTC).replace(tzinfo=None)
    readable = settings.warehouse != "duckdb"
    if readable:
        from psycopg import Error as WarehouseError
    with contextlib.ExitStack() as stack:
        query = stack.enter_context(connect(settings)) if readable else None

        def progress(elapsed: float) -> str:
            parts = []
            if query is not None:
                try:
                    row = query(f"""select count(distinct event_id) as n,
                                           count(case when collected_at >= %s then 1 end) as read
                                    from {RAW_SCHEMA}.agent_events""", (started,))[0]
                    parts.append(f"{row['read']} events loaded this run, {row['n'] - before.events} new")
                except WarehouseError:  # the loader has not created the table yet
                    parts.append("waiting for the first events")
            if live_seconds is not None:
                left = live_seconds + STARTUP_SECONDS - elapsed
                parts.append(f"about {left:.0f} s left" if left >= 1 else "finishing")
            else:
                parts.append(f"{elapsed:.0f} s")
            return ", ".join(parts)

        yield progress
