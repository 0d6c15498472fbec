"""Property: whatever agent events Connect (or anything else) writes to the stream, the real tap
reading a moto stream into the real target-postgres (the one `meltano install` put under
.meltano/) never fails: every valid event lands, every record a target could not load is
dead-lettered with its shard and sequence number, and the position moves past it.

Events are generated in AWS's documented shape (only the five required fields for sure, every
optional part absent or present), valid or poisoned one way each."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from tck_helpers import run_tap, shard_positions

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
INSTANCE = "arn:aws:connect:us-west-2:111122223333:instance/11111111-1111-4111-8111-111111111111"


def _e2e_conftest():
    """tests/e2e/conftest.py (its project lock and meltano), loaded by path: not copied."""
    spec = importlib.util.spec_from_file_location("wfm_e2e_conftest", ROOT / "tests" / "e2e" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def target_postgres() -> Path:
    """The project's target-postgres; installed (alone) under the e2e project lock if missing."""
    if not TARGET.exists():
        e2e = _e2e_conftest()
        with e2e.project_lock():
            if not TARGET.exists():
                result = subprocess.run([e2e.MELTANO, "install", "--plugin-type", "loader", "target-postgres"],
                                        cwd=e2e.ROOT, capture_output=True, text=True, timeout=900)
                assert result.returncode == 0, result.stderr[-4000:]
    return TARGET


# -- agent events as AWS documents them ------------------------------------------------------------
OFFSETS = [timedelta(0), timedelta(hours=5, minutes=30), timedelta(hours=-8), timedelta(hours=14),
           timedelta(hours=-12)]


@st.composite
def times(draw, styles: tuple[str, ...] = ("ms", "none", "us", "ns")) -> tuple[str, str]:
    """A time as Connect or another writer may spell it → (as written, as the tap writes it).
    Inside Contacts (kept as written) at most microseconds: what every target's cast reads."""
    moment = draw(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 12, 30)))
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC)
    style = draw(st.sampled_from(styles))
    if style == "none":
        moment = moment.replace(microsecond=0)
    offset = draw(st.sampled_from(OFFSETS))
    local = moment.astimezone(timezone(offset))
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    text += {"ms": f".{local.microsecond // 1000:03d}", "none": "", "us": f".{local.microsecond:06d}",
             "ns": f".{local.microsecond:06d}789"}[style]
    text += "Z" if not offset and draw(st.booleans()) else local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    return text, moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


CONTACT_TIME_STYLES = ("ms", "none", "us")
NAMES = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


@st.composite
def snapshots(draw) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    snapshot: dict[str, Any] = {}
    if draw(st.booleans()):
        status = {"ARN": f"{INSTANCE}/agent-state/s-{draw(st.integers(0, 9))}", "Name": draw(NAMES)}
        if draw(st.booleans()):
            status["StartTimestamp"] = draw(times())[0]
        snapshot["AgentStatus"] = status
    if draw(st.booleans()):
        key = draw(st.sampled_from(["EnqueueTimestamp", "EnqueuedTimestamp"]))
        snapshot["NextAgentStatus"] = {"ARN": f"{INSTANCE}/agent-state/s-1", "Name": draw(NAMES),
                                       key: draw(times())[0]}
    if draw(st.booleans()):
        snapshot["Configuration"] = {"Username": draw(NAMES), "FirstName": draw(NAMES), "LastName": draw(NAMES),
                                     "RoutingProfile": {"ARN": f"{INSTANCE}/routing-profile/rp-1", "Name": "General"}}
    if draw(st.booleans()):
        contacts = []
        for number in range(draw(st.integers(0, 2))):
            contact = {"ContactId": f"c-{number}", "Channel": draw(st.sampled_from(["VOICE", "CHAT", "TASK"])),
                       "State": draw(st.sampled_from(["CONNECTED", "ENDED", "MISSED"])),
                       "Queue": {"ARN": f"{INSTANCE}/queue/q-1", "Name": draw(NAMES)},
                       "StateStartTimestamp": draw(times(CONTACT_TIME_STYLES))[0]}
            for field in ("ConnectedToAgentTimestamp", "QueueTimestamp"):
                if draw(st.booleans()):
                    contact[field] = draw(times(CONTACT_TIME_STYLES))[0] if draw(st.booleans()) else None
            contacts.append(contact)
        snapshot["Contacts"] = contacts
    return snapshot


@dataclass
class Case:
    data: bytes
    event_id: str
    outcome: str  # "loads", "column left null" or "dead letter"
    written_time: str | None = None  # event_timestamp as the tap writes it
    null_column: str | None = None


POISONS = ["bad EventTimestamp", "NUL", "contact time", "long EventId", "missing field", "not UTF-8",
           "nested too deeply", "not JSON", "previous snapshot not an object"]
REPAIRS = ["bad StartTimestamp", "bad EnqueueTimestamp"]
BAD_TIMES = ["not-a-date", "99999-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "2026-02-30T08:05:00.000Z",
             "1899-12-31T23:59:59.999Z", "2201-01-01T00:00:00Z", "1700000000", "2026-11-02T08:05:00", ""]


@st.composite
def cases(draw, event_id: str, kinds: tuple[str, ...] = ("valid",) * 4 + tuple(POISONS + REPAIRS)) -> Case:
    written, expected = draw(times())
    document: dict[str, Any] = {"EventId": event_id, "EventType": draw(st.sampled_from(
        ["LOGIN", "LOGOUT", "STATE_CHANGE", "HEART_BEAT"])), "EventTimestamp": written,
        "InstanceARN": INSTANCE, "AgentARN": f"{INSTANCE}/agent/a-{draw(st.integers(0, 5))}"}
    current = draw(snapshots())
    if current is not None or draw(st.booleans()):
        document["CurrentAgentSnapshot"] = current
    if draw(st.booleans()):
        document["PreviousAgentSnapshot"] = draw(snapshots())
    for field, value in (("AWSAccountId", "111122223333"), ("Version", "2019-05-25")):
        if draw(st.booleans()):
            document[field] = value
    kind = draw(st.sampled_from(kinds))
    case = Case(b"", event_id, "loads", expected)
    if kind in REPAIRS:
        snapshot = document.setdefault("CurrentAgentSnapshot", {}) or {}
        document["CurrentAgentSnapshot"] = snapshot
        if kind == "bad StartTimestamp":
            snapshot.setdefault("AgentStatus", {"Name": "Available"})["StartTimestamp"] = draw(st.sampled_from(BAD_TIMES))
            case.null_column = "agent_status_start_timestamp"
        else:
            snapshot["NextAgentStatus"] = {"Name": "Break", "EnqueuedTimestamp": draw(st.sampled_from(BAD_TIMES))}
            case.null_column = "next_agent_status_enqueued_timestamp"
        case.outcome = "column left null"
    elif kind != "valid":
        case.outcome = "dead letter"
        document = _poison(draw, kind, document)
    case.data = document if isinstance(document, bytes) else json.dumps(
        document, ensure_ascii=draw(st.booleans())).encode()
    return case


def _poison(draw, kind: str, document: dict[str, Any]) -> dict[str, Any] | bytes:
    document = copy.deepcopy(document)
    if kind == "bad EventTimestamp":
        document["EventTimestamp"] = draw(st.sampled_from(BAD_TIMES))
    elif kind == "NUL":
        where = draw(st.sampled_from(["EventId", "name", "previous", "key"]))
        if where == "EventId":
            document["EventId"] += "\x00"
        elif where == "name":
            document["CurrentAgentSnapshot"] = {"AgentStatus": {"Name": "Avail\x00able"}}
        elif where == "previous":
            document["PreviousAgentSnapshot"] = {"Configuration": {"FirstName": "\x00"}}
        else:
            document["CurrentAgentSnapshot"] = {"Contacts": [{"ContactId": "c", "\x00": 1}]}
    elif kind == "contact time":
        field = draw(st.sampled_from(["StateStartTimestamp", "ConnectedToAgentTimestamp", "QueueTimestamp"]))
        document["CurrentAgentSnapshot"] = {"Contacts": [{"ContactId": "c", field: draw(st.sampled_from(BAD_TIMES))}]}
    elif kind == "long EventId":
        document["EventId"] += "x" * 256
    elif kind == "missing field":
        del document[draw(st.sampled_from(["EventId", "EventType", "EventTimestamp", "InstanceARN", "AgentARN"]))]
    elif kind == "not UTF-8":
        document["CurrentAgentSnapshot"] = {"AgentStatus": {"Name": "@@@"}}
        return json.dumps(document).encode().replace(b"@@@", b"\xff\xfe")
    elif kind == "nested too deeply":
        return json.dumps(document).encode()[:-1] + b', "Extra": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    elif kind == "not JSON":
        return json.dumps(document).encode()[: draw(st.integers(0, 40))]
    elif kind == "previous snapshot not an object":
        document["PreviousAgentSnapshot"] = draw(st.sampled_from(["Available", 1, [1]]))
    return document


# -- the property ----------------------------------------------------------------------------------
@pytest.mark.slow
@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_events_through_the_tap_and_target_postgres(data, kinesis, postgres_database,
                                                              target_postgres, tmp_path):
    stream = kinesis.stream(shards=1)
    run = stream.rsplit("_", 1)[-1]
    count = data.draw(st.integers(1, 12), label="events")
    generated = [data.draw(cases(f"{run}-{n}"), label=f"event {n}") for n in range(count)]
    generated.append(data.draw(cases(f"{run}-last", kinds=("valid",)), label="last"))  # after them all
    positions = {}
    for case in generated:
        answer = kinesis.client.put_record(StreamName=stream, Data=case.data, PartitionKey="agent")
        positions[case.event_id] = (answer["ShardId"], answer["SequenceNumber"])
    message_format = data.draw(st.sampled_from(["batch", "record"]), label="message_format")
    config = kinesis.config(stream, message_format=message_format,
                            dead_letter_path=str(tmp_path / f"dead-{run}.jsonl"))

    output = run_tap(config)  # the tap never raises
    schema = f"raw_{run}"
    target_config = tmp_path / f"target-{run}.json"
    target_config.write_text(json.dumps({
        "sqlalchemy_url": f"postgresql+psycopg://{postgres_database.user}@{postgres_database.host}:"
                          f"{postgres_database.port}/{postgres_database.database}",
        "default_target_schema": schema, "load_method": "upsert", "add_record_metadata": True,
        "activate_version": False}))
    lines = "".join(json.dumps(message) + "\n" for message in output.messages)
    loaded = subprocess.run([str(target_postgres), "--config", str(target_config)], input=lines, text=True,
                            capture_output=True, timeout=120, env={**os.environ, "PGTZ": "UTC"})
    assert loaded.returncode == 0, loaded.stderr[-3000:]

    with postgres_database.connect() as connection:
        rows = {row[0]: row for row in connection.execute(
            f"select event_id, event_timestamp, agent_status_start_timestamp, "
            f"next_agent_status_enqueued_timestamp from {schema}.agent_events")}
    expected = [c for c in generated if c.outcome != "dead letter"]
    assert set(rows) == {c.event_id for c in expected}, "every valid event lands, no poisoned one"
    for case in expected:
        assert rows[case.event_id][1] == datetime.fromisoformat(case.written_time).replace(tzinfo=None)
        if case.null_column:
            column = 2 if case.null_column == "agent_status_start_timestamp" else 3
            assert rows[case.event_id][column] is None
    letters_path = Path(config["dead_letter_path"])
    letters = [json.loads(line) for line in letters_path.read_text().splitlines()] if letters_path.exists() else []
    assert {(letter["shard_id"], letter["sequence_number"]) for letter in letters} == {
        positions[c.event_id] for c in generated if c.outcome == "dead letter"}, "each poisoned one, by position"
    assert all(letter["reason"] for letter in letters)
    shard, last = positions[generated[-1].event_id]
    assert shard_positions(output.final_state)[shard]["sequence_number"] == last, "the position moved past them"
