"""Helpers of the SQL Server checks without a server (docs/sqlserver.md): the loader's
Python, the taps' schemas, Singer messages for them, and the statements the loader meltano.yml
configures (plugin target-mssql: target-mssql-wfm) sends for those messages (captured by
loader_sql_capture.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
if str(ROOT / "tests" / "transform") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "transform"))  # wfm_raw_fixtures, wfm_dbt
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))  # meltano_lock
from meltano_lock import project_lock  # noqa: E402

LOADER = "target-mssql"
LOADER_BIN = ROOT / ".meltano" / "loaders" / LOADER / "venv" / "bin"
LOADER_PYTHON = LOADER_BIN / "python"


def loader_definition() -> dict:
    """meltano.yml's definition of the plugin `target-mssql` (its pip_url and executable)."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (plugin,) = [p for p in project["plugins"]["loaders"] if p["name"] == LOADER]
    return plugin


LOADER_EXECUTABLE = loader_definition().get("executable", LOADER)
RAW_SCHEMA = "raw"
LOADER_CONFIG = {"host": "sqlserver.invalid", "port": "1433", "username": "wfm", "password": "x",
                 "database": "wfm", "default_target_schema": RAW_SCHEMA}
TAPS = {
    "tap-amazon-connect": {"aws_region": "us-west-2", "instance_ids": ["8c49c94c-d2c7-403e-8d2e-581b62f821a3"],
                           "start_date": "2026-11-01"},
    # both of its streams: agent_events, and contact_records (a contact-record stream configured)
    "tap-connect-kinesis": {"aws_region": "us-west-2", "stream_name": "agent-events",
                            "contact_records_stream_name": "contact-records"},
}
KINESIS_STREAMS = ("agent_events", "contact_records")


def shared_dir(tmp_path_factory, worker_id: str) -> Path:
    """A directory all xdist workers of this run share (pytest's base temp of the run)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


def install_loader() -> Path:
    """target-mssql as meltano.yml installs it (its pip_url: target-mssql-wfm, editable, on
    target-mssql 0.2.1, singer-sdk 0.13, SQLAlchemy 1.4, which cannot share the project's
    virtualenv): installed once, about 25 s, then reused; again when the virtualenv lacks the
    executable meltano.yml names (a virtualenv of an earlier pip_url)."""
    with project_lock():
        if not (LOADER_BIN / LOADER_EXECUTABLE).exists():
            result = subprocess.run([str(BIN / "meltano"), "install", LOADER], cwd=ROOT, capture_output=True,
                                    text=True, timeout=600)
            assert result.returncode == 0, result.stderr[-4000:]
    return LOADER_PYTHON


@dataclass
class Stream:
    tap: str
    name: str
    schema: dict
    key_properties: list[str]

    @property
    def properties(self) -> dict[str, dict]:
        return self.schema["properties"]


def discover(work: Path) -> dict[str, Stream]:
    """Every stream of both taps, with the schema and key the tap itself declares (`--discover`)."""
    streams: dict[str, Stream] = {}
    for tap, config in TAPS.items():
        config_path = work / f"{tap}.json"
        config_path.write_text(json.dumps(config))
        result = subprocess.run([str(BIN / tap), "--config", str(config_path), "--discover"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        for entry in json.loads(result.stdout)["streams"]:
            streams[entry["tap_stream_id"]] = Stream(tap, entry["tap_stream_id"], entry["schema"],
                                                     list(entry.get("key_properties") or []))
    return streams


def _types(prop: dict) -> list[str]:
    kind = prop.get("type", [])
    return kind if isinstance(kind, list) else [kind]


def sample_value(prop: dict, n: int = 1):
    """A value the property's schema accepts (non-ASCII in text, milliseconds in times)."""
    kinds = _types(prop)
    if "object" in kinds:
        extra = prop.get("additionalProperties")
        if isinstance(extra, dict) and extra.get("type"):
            return {"20": sample_value(extra, n)}
        return {key: sample_value(value, n) for key, value in (prop.get("properties") or {}).items()} \
            or {"Name": "Zoë Ünal 名前", "n": n}
    if "array" in kinds:
        return [sample_value(prop.get("items") or {"type": "string"}, n)]
    if "string" in kinds:
        if prop.get("format") == "date-time":
            return f"2026-11-02T08:{n % 60:02d}:00.049Z"
        return f"Zoë-{n}-名前"
    if "integer" in kinds:
        return n
    if "number" in kinds:
        return n + 0.125
    if "boolean" in kinds:
        return True
    return None


def simulated_agent_events(count: int = 12) -> list[dict]:
    """agent_events rows as tap-connect-kinesis writes them, from the simulator's documents
    (contacts and the snapshots as JSON objects, as the tap sends them)."""
    import wfm_raw_fixtures as rf

    day = rf.simulate(hours=1, agents=3)
    rows = []
    for sequence, (event, document) in enumerate(zip(day.events, day.documents, strict=True), start=1):
        row = rf.event_row(document, sequence, event.timestamp_ms + 800)
        for column in ("contacts", "current_snapshot", "previous_snapshot"):
            row[column] = json.loads(row[column]) if row[column] else None
        rows.append(row)
    return rows[:count]


def singer_messages(streams: dict[str, Stream], batch_dir: Path, kinesis_as: str,
                    duplicate_key: bool = False) -> str:
    """SCHEMA then two rows per stream; the Kinesis tap's streams as a BATCH message
    (`kinesis_as="batch"`, its default message_format) or as RECORD messages.
    `duplicate_key`: agent_events carries one event twice in the same load (at-least-once)."""
    lines = []
    events = simulated_agent_events()
    for stream in streams.values():
        lines.append({"type": "SCHEMA", "stream": stream.name, "schema": stream.schema,
                      "key_properties": stream.key_properties})
        if stream.name == "agent_events":
            rows = [{k: v for k, v in row.items() if k in stream.properties} for row in events]
            if duplicate_key:
                rows.append(dict(rows[0], sequence_number=rows[0]["sequence_number"] + "9"))
        else:
            rows = [{name: sample_value(prop, n) for name, prop in stream.properties.items()} for n in (1, 2)]
        if stream.name in KINESIS_STREAMS and kinesis_as == "batch":
            path = batch_dir / f"{stream.name}.jsonl"
            path.write_text("".join(json.dumps(row) + "\n" for row in rows))
            lines.append({"type": "BATCH", "stream": stream.name,
                          "encoding": {"format": "jsonl", "compression": "none"},
                          "manifest": [path.as_uri()]})
        else:
            lines += [{"type": "RECORD", "stream": stream.name, "record": row} for row in rows]
    lines.append({"type": "STATE", "value": {}})
    return "".join(json.dumps(line) + "\n" for line in lines)


@dataclass
class Statement:
    sql: str
    kind: str          # ddl (compiled by SQLAlchemy's mssql dialect) or execute (text the loader wrote)
    run: int           # 1: tables created; 2: a later run, tables found
    params: list[dict] | None   # first row's parameter Python types
    rows: int


def capture(loader_python: Path, messages: str, work: Path) -> tuple[list[Statement], list[str]]:
    """Every statement the loader sends for `messages`, loaded twice (loader_sql_capture.py)."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "target-config.json"
    config.write_text(json.dumps(LOADER_CONFIG))
    out = work / "statements.jsonl"
    result = subprocess.run([str(loader_python), str(HERE / "loader_sql_capture.py"), "--config", str(config),
                             "--out", str(out), "--executable", LOADER_EXECUTABLE],
                            input=messages, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-4000:]
    statements, errors = [], []
    for line in out.read_text().splitlines():
        item = json.loads(line)
        if item["kind"] == "error":
            errors.append(f"run {item['run']}: {item['error']}")
        else:
            statements.append(Statement(item["sql"].strip(), item["kind"], item["run"], item["params"],
                                        item.get("rows", 0)))
    return statements, errors
