"""The fixture set of `wfm-pipeline verify-warehouse`, shipped in this package (verify_fixture/):
the raw Singer messages of both taps and the WFM tables they must give.

- `tap-amazon-connect.singer`: what tap-amazon-connect wrote (SCHEMA, RECORD, STATE lines) for the
  streams of the jobs wfm-config, wfm-history and wfm-reconciliation, reading the built-in
  simulator; `tap-connect-kinesis.singer`: what tap-connect-kinesis-records wrote (RECORD
  messages, as the SQL Server and DuckDB loaders need) for the agent events, as AWS documents
  them (no AgentStatus.Type).
- `wfm-input.singer`: the operator's inputs as Singer streams (the schedule wfm_adherence
  compares against, the site time zone), loaded beside the raw streams.
- `expected/<table>.json`: every wfm_* mart, rows in UTC, as the dbt project builds them on
  PostgreSQL from the above.

Regenerate (the taps' output and the expected rows; needs the PostgreSQL of WFM_PG_*):

    .venv/bin/python -m wfm_pipeline.verify_fixture            # simulator → taps → PostgreSQL → expected
    .venv/bin/python -m wfm_pipeline.verify_fixture --expected  # the expected rows only (after a model change)
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIXTURE_DIR = Path(__file__).with_name("verify_fixture")
EXPECTED_DIR = FIXTURE_DIR / "expected"
TAP_FILES = ("tap-amazon-connect.singer.gz", "tap-connect-kinesis.singer.gz")  # gzip: 6 MB → 0.1 MB
INPUT_FILE = "wfm-input.singer.gz"
SITE_TIME_ZONE = "America/Chicago"  # the fixture's site: local times cross a DST-free offset, -06:00
# SQL Server's AT TIME ZONE knows Windows names only (docs/sqlserver.md)
WINDOWS_TIME_ZONES = {"America/Chicago": "Central Standard Time"}
# Each mart's grain (transform/models/marts/_wfm__models.yml, unique_combination): how rows are matched
MART_KEYS = {
    "wfm_queue": ["instance_id", "queue_id"],
    "wfm_agent": ["instance_id", "agent_id"],
    "wfm_interval_volume": ["instance_id", "queue_id", "channel", "interval_start_at"],
    "wfm_agent_state_transaction": ["instance_id", "agent_id", "state_start_at"],
    "wfm_agent_current_state": ["instance_id", "agent_id"],
    "wfm_agent_interval_activity": ["instance_id", "agent_id", "interval_start_at", "wfm_state"],
    "wfm_adherence": ["instance_id", "agent_id", "interval_start_at"],
    "wfm_agent_reconciliation": ["instance_id", "agent_id", "interval_start_at"],
}
SEED, AGENTS, HOURS = 11, 8, 4


def singer_files() -> list[Path]:
    return [FIXTURE_DIR / name for name in (*TAP_FILES, INPUT_FILE)]


def read_singer(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode()


def _gzip_writer(path: Path):
    """Text out to a gzip file whose bytes depend on the text only (no time stamp)."""
    return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=9, mtime=0), encoding="utf-8")


def input_messages(schedule: list[tuple], zones: list[tuple[str, str]]) -> list[dict]:
    """The operator's inputs as Singer messages: streams schedule and site_time_zones."""
    def iso(moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    text, stamp = {"type": "string"}, {"type": "string", "format": "date-time"}
    messages: list[dict] = [
        {"type": "SCHEMA", "stream": "schedule", "key_properties": ["instance_id", "agent", "start_at"],
         "schema": {"type": "object", "properties": {"instance_id": text, "agent": text, "activity": text,
                                                     "start_at": stamp, "end_at": stamp}}},
        *({"type": "RECORD", "stream": "schedule",
           "record": {"instance_id": i, "agent": a, "activity": act, "start_at": iso(s), "end_at": iso(e)}}
          for i, a, act, s, e in schedule),
        {"type": "SCHEMA", "stream": "site_time_zones", "key_properties": ["instance_id"],
         "schema": {"type": "object", "properties": {"instance_id": text, "time_zone": text}}},
        *({"type": "RECORD", "stream": "site_time_zones", "record": {"instance_id": i, "time_zone": z}}
          for i, z in zones),
    ]
    return messages


def _invoke(root: Path, env: dict[str, str], plugin: str, out) -> None:
    subprocess.run([str(Path(sys.executable).with_name("meltano")), "--environment", "demo", "invoke", plugin],
                   cwd=root, env={**os.environ, **env}, stdout=out, check=True)


def regenerate_taps(root: Path) -> None:
    """Serve a simulated centre (SEED, AGENTS agents, HOURS hours up to now) and keep what the taps
    read from it, through Meltano as the jobs run them."""
    from .demo_schedule import simulated_schedule
    from .simulator_service import SimulatorService, busiest_zone

    now = datetime.now(UTC)
    start = (now - timedelta(hours=HOURS)).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="wfm-verify-fixture-") as work, SimulatorService(
            Path(work) / "simulator.log", agents=AGENTS, seed=SEED, time_zone=busiest_zone(start + timedelta(hours=2)),
            start=start.isoformat().replace("+00:00", "Z"), backlog_hours=HOURS + 0.1) as endpoints:
        env = {**endpoints.tap_env(start.isoformat().replace("+00:00", "Z"), 30),
               "TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP": "true",
               "TAP_AMAZON_CONNECT_AGENT_ACTIVITY_BACKFILL_HOURS": str(HOURS),
               "MELTANO_DATABASE_URI": f"sqlite:///{work}/meltano.db"}
        for name, plugins in ((TAP_FILES[0], ("tap-amazon-connect-config", "tap-amazon-connect-history",
                                               "tap-amazon-connect-reconciliation")),
                              (TAP_FILES[1], ("tap-connect-kinesis-records",))):
            raw = Path(work) / name
            with raw.open("w") as out:
                for plugin in plugins:
                    _invoke(root, env, plugin, out)
            with _gzip_writer(FIXTURE_DIR / name) as out:
                out.write(raw.read_text())
        until = datetime.now(UTC)
        schedule = simulated_schedule(endpoints, start, until)
        zones = [(instance, SITE_TIME_ZONE) for instance, _ in endpoints.instances]
    with _gzip_writer(FIXTURE_DIR / INPUT_FILE) as out:
        for message in input_messages(schedule, zones):
            out.write(json.dumps(message, separators=(",", ":")) + "\n")
    (FIXTURE_DIR / "fixture.json").write_text(json.dumps(
        {"generated_at": now.isoformat(timespec="seconds"), "seed": SEED, "agents": AGENTS, "hours": HOURS,
         "simulated_from": start.isoformat(), "site_time_zone": SITE_TIME_ZONE}, indent=1) + "\n")


def write_expected(tables: dict[str, tuple[list[str], list[dict]]]) -> None:
    """tables: mart → (columns compared, rows as verify_results.normalise gives them)."""
    EXPECTED_DIR.mkdir(parents=True, exist_ok=True)
    for old in EXPECTED_DIR.glob("*.json"):
        old.unlink()
    for table, (columns, rows) in tables.items():
        key = MART_KEYS[table]
        ordered = sorted(rows, key=lambda row: json.dumps([row[k] for k in key]))
        body = {"table": table, "key": key, "columns": columns,
                "rows": [[row[c] for c in columns] for row in ordered]}
        lines = ",\n  ".join(json.dumps(row, separators=(",", ":")) for row in body["rows"])
        head = json.dumps({k: v for k, v in body.items() if k != "rows"})[:-1]
        (EXPECTED_DIR / f"{table}.json").write_text(f'{head}, "rows": [\n  {lines}\n]}}\n')


def about() -> str:
    """What the shipped fixture is, in a few words."""
    info = json.loads((FIXTURE_DIR / "fixture.json").read_text())
    return (f"{info['agents']} simulated agents, {info['hours']} hours of {info['generated_at'][:10]}, "
            f"site time zone {info['site_time_zone']}")


def read_expected() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(EXPECTED_DIR.glob("*.json"))}


def main(argv: list[str] | None = None) -> int:
    from .cli import project_root
    from .verify_warehouse import VerifyError, verify

    parser = argparse.ArgumentParser(prog="python -m wfm_pipeline.verify_fixture", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--expected", action="store_true",
                        help="only the expected rows, from the shipped Singer files")
    args = parser.parse_args(argv)
    root = project_root()
    if not args.expected:
        regenerate_taps(root)
    try:
        return verify(root, "postgres", write_expected=True)
    except VerifyError as error:
        print(f"verify_fixture: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
