"""wfm-pipeline: the main job and its report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .meltano_runner import StepFailed
from .settings import PipelineSettings, SettingError


def project_root() -> Path:
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "meltano.yml").exists():
            return folder
    raise SystemExit("wfm-pipeline: run it inside the project (no meltano.yml found above here)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wfm-pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="the main job: taps → warehouse → dbt → report")
    run.add_argument("--live-seconds", type=int, default=60,
                     help="with the simulator: how long to collect real-time agent events")
    run.add_argument("--history-days", type=float, default=2.0,
                     help="with the simulator: days of history to backfill")
    show = commands.add_parser("report", help="print the report of what the warehouse holds now")
    show.add_argument("--hours", type=float, default=24.0, help="the volume window, hours before its newest interval")
    commands.add_parser("stop", help="stop this checkout's embedded PostgreSQL (output/postgres), by its PID file")
    doctor = commands.add_parser("doctor", help="try every call the pipeline needs and say what to fix")
    doctor.add_argument("--connect-config", help="tap-amazon-connect config JSON (default: from Meltano)")
    doctor.add_argument("--kinesis-config", help="tap-connect-kinesis config JSON (default: from Meltano)")
    verify = commands.add_parser(
        "verify-warehouse", help="load the shipped fixture into scratch schemas of a warehouse, build with dbt, "
                                 "compare every WFM table with the expected rows, drop the scratch schemas")
    verify.add_argument("--warehouse", required=True, choices=["postgres", "duckdb", "sqlserver"],
                        help="which loader and dbt utility of meltano.yml, with their connection settings "
                             "(WFM_PG_*, WFM_DUCKDB_PATH, WFM_MSSQL_*)")
    docs = commands.add_parser("config-docs", help="regenerate docs/configuration.md from the taps' --about")
    docs.add_argument("--check", action="store_true", help="only check that it is up to date")
    args = parser.parse_args(argv)
    if args.command == "config-docs":
        from . import config_docs

        return config_docs.main(project_root(), args.check)
    if args.command == "doctor":
        from wfm_aws import ConfigError
        from wfm_aws.files import read_json_object

        from . import doctor as doctor_module

        try:
            connect, kinesis = (read_json_object(path, f"--{name}-config file") if path else None
                                for name, path in (("connect", args.connect_config),
                                                   ("kinesis", args.kinesis_config)))
        except ConfigError as error:  # one line, as the taps say it
            print(f"wfm-pipeline doctor: {error}", file=sys.stderr)
            return 2
        return doctor_module.main(project_root(), connect, kinesis)

    if args.command == "verify-warehouse":
        from .verify_warehouse import VerifyError, verify

        try:
            return verify(project_root(), args.warehouse)
        except VerifyError as error:
            print(f"wfm-pipeline verify-warehouse: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(flush=True)
            print("wfm-pipeline verify-warehouse: interrupted (the scratch schemas were dropped)", file=sys.stderr)
            return 130
    settings = PipelineSettings.detect(project_root())
    if args.command == "stop":
        from .embedded_postgres import stop

        try:
            print(stop(settings.output_dir / "postgres"))
        except RuntimeError as error:
            print(f"wfm-pipeline stop: {error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "report":
        from . import report
        from .embedded_postgres import reachable

        try:
            with reachable(settings) as reached:
                report_text, path = report.write(reached, args.hours)
        except SettingError as error:
            print(f"wfm-pipeline report: {error}", file=sys.stderr)
            return 2
        print(report_text)
        print(f"\nReport with charts: {path}")
        return 0
    from .main_job import JobStopped
    from .main_job import run as run_job

    try:
        return run_job(settings, live_seconds=args.live_seconds, history_days=args.history_days)
    except SettingError as error:
        print(f"wfm-pipeline run: {error}", file=sys.stderr)
        return 2
    except (StepFailed, JobStopped) as failure:
        print(failure, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
