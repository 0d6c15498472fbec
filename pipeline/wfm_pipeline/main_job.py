"""The main job: both taps into the warehouse, dbt builds the WFM tables, then the report.

Without AWS settings it runs against the built-in simulated contact centre (some history
and a stretch of real-time agent events) into an embedded DuckDB file; with them, against
the real Amazon Connect into the configured warehouse.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from . import report
from .demo_schedule import simulated_schedule, write_schedule
from .embedded_postgres import reachable, with_state_in_warehouse
from .meltano_runner import MeltanoRunner
from .settings import PipelineSettings
from .simulator_service import SimulatorService


def run(settings: PipelineSettings, live_seconds: int = 60, history_days: float = 2.0) -> int:
    simulated = settings.source == "simulator"
    environment = settings.env.get("MELTANO_ENVIRONMENT") or ("demo" if simulated else "prod")
    where = {"postgres": "PostgreSQL", "duckdb": "a DuckDB file", "embedded": "an embedded PostgreSQL"}
    print(f"Amazon Connect → WFM: reading {'the built-in simulated contact centre' if simulated else 'Amazon Connect'}"
          f" into {where[settings.warehouse]} (Meltano environment {environment}).")
    with reachable(settings) as settings:
        return _run(with_state_in_warehouse(settings), environment, simulated, live_seconds, history_days)


def _run(settings: PipelineSettings, environment: str, simulated: bool, live_seconds: int,
         history_days: float) -> int:
    runner = MeltanoRunner(settings.project_root, settings.output_dir / "logs", settings.env, environment)
    plugins = ["tap-amazon-connect", "tap-amazon-connect-config", "tap-amazon-connect-history",
               "tap-connect-kinesis", settings.loader, settings.dbt]
    runner.step("Installing the pipeline's plugins", "install", *plugins)

    with contextlib.ExitStack() as stack:
        extra: dict[str, str] = {}
        if simulated:
            print("  Starting the simulated contact centre ...", end="", flush=True)
            endpoints = stack.enter_context(SimulatorService(settings.output_dir / "logs" / "simulator.log",
                                                             history_days=history_days))
            history_start = (datetime.now(UTC) - timedelta(days=history_days - 0.1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            extra = endpoints.tap_env(history_start, live_seconds)
            print(f" {endpoints.agents} agents, site time zone {endpoints.time_zone}")
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
        what = f"{live_seconds} s of live agent events" if simulated else "agent events until caught up"
        runner.step(f"Adherence: {what}", "run", "tap-connect-kinesis", loader, extra_env=extra)
        dbt_env = {}
        if simulated and settings.warehouse != "duckdb":
            now = datetime.now(UTC)
            covered = now - timedelta(hours=endpoints.backlog_hours)
            relation = write_schedule(settings.env, simulated_schedule(endpoints, covered, now))
            dbt_env["WFM_SCHEDULE_RELATION"] = relation
            print(f"  Schedule: the simulated agents' shift plan, in {relation}")
    runner.step("dbt: building the WFM tables", "run", f"{settings.dbt}:build", extra_env=dbt_env)

    report_text, path = report.write(settings)
    print()
    print(report_text)
    print()
    print(f"Report with charts: {path}")
    if settings.warehouse == "duckdb":
        print(f"WFM tables: {settings.duckdb_path} (schema wfm)")
    elif settings.warehouse == "embedded":
        print(f"WFM tables: schema wfm of the embedded PostgreSQL: psql -h {settings.env['WFM_PG_HOST']} "
              f"-U postgres wfm")
    print(f"Logs: {settings.output_dir / 'logs'}")
    return 0
