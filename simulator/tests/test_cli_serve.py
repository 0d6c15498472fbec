"""`connect-sim serve` as a user runs it: a process that answers boto3 and fills a Kinesis stream."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from connect_sim.cli import build_parser
from connect_sim.kinesis.readback import read_stream


def _start_serving(*args: str) -> tuple[subprocess.Popen, str]:
    """`connect-sim serve ARGS`, once it says it is ready: the process and what it printed."""
    process = subprocess.Popen([sys.executable, "-m", "connect_sim.cli", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ctrl-C" in line:
            break
    return process, "".join(lines)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture
def served():
    # a site where it is mid-morning: agents at work whatever the hour the test runs (at night
    # in the default zone the backlog and the live minutes had no event)
    process, text = _start_serving(
        "--agents", "8", "--history-days", "0.25", "--speed", "120", "--kinesis-endpoint", "moto",
        "--time-zone", _mid_morning_zone(datetime.now(UTC)),
        "--kinesis-backlog-hours", "6", "--stream-name", "agent-events", "--event-shape", "full")
    yield process, text
    _stop(process)


def test_serve_answers_boto3_streams_events_and_stops_cleanly(served):
    process, text = served
    api = re.search(r"Simulated Amazon Connect at (http://\S+)", text)
    kinesis = re.search(r"Agent events \(full shape\) → Kinesis stream 'agent-events' at (http://\S+)", text)
    assert api and kinesis, text
    connect = boto3.client("connect", endpoint_url=api.group(1), region_name="us-west-2",
                           aws_access_key_id="x", aws_secret_access_key="y")
    instances = connect.list_instances()["InstanceSummaryList"]
    assert len(instances) == 1
    queues = connect.list_queues(InstanceId=instances[0]["Id"], QueueTypes=["STANDARD"])["QueueSummaryList"]
    assert {q["Name"] for q in queues} >= {"Sales", "Support"}

    client = boto3.client("kinesis", endpoint_url=kinesis.group(1), region_name="us-west-2",
                          aws_access_key_id="x", aws_secret_access_key="y")
    first = len(read_stream(client, "agent-events"))
    time.sleep(3)  # six simulated minutes pass at ×120
    records = read_stream(client, "agent-events")
    assert len(records) > first > 0, "the backlog, then live events as simulated time runs"
    document = json.loads(records[-1].data)
    assert document["EventType"] in {"LOGIN", "LOGOUT", "STATE_CHANGE", "HEART_BEAT"}
    assert "Type" in document["CurrentAgentSnapshot"]["AgentStatus"]  # the shape asked for

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0


@pytest.mark.parametrize("command", ["serve", "generate", "demo"])
def test_the_event_shape_is_documented_unless_asked_otherwise(command):
    required = ["--out", "x"] if command == "generate" else []
    assert build_parser().parse_args([command, *required]).event_shape == "documented"
    assert build_parser().parse_args([command, *required, "--event-shape", "full"]).event_shape == "full"
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, *required, "--event-shape", "pretty"])


def _mid_morning_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about 11:00 now, so agents are at work."""
    offset = (11 - now.hour + 12) % 24 - 12  # UTC+offset, -12..11
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def _events(kinesis_url: str) -> dict[str, tuple[int, str]]:
    """Every event in the stream, once the server's writer (a background thread) has sent its backlog."""
    client = boto3.client("kinesis", endpoint_url=kinesis_url, region_name="us-west-2",
                          aws_access_key_id="x", aws_secret_access_key="y")
    records, deadline = read_stream(client, "agent-events"), time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(1.5)
        again = read_stream(client, "agent-events")
        if len(again) == len(records):
            break
        records = again
    events = {}
    for record in records:
        document = json.loads(record.data)
        events[document["EventId"]] = (document["EventTimestamp"], document["AgentARN"])
    return events


def test_a_server_restarted_until_now_continues_the_same_world_in_real_time():
    """The main job restarts the simulator on every run: with --start and --until-now the world
    is the same one, simulated up to the wall clock's now (not to the last quarter-hour), and
    the events both servers wrote are the same events with the same ids."""
    now = datetime.now(UTC)
    start = (now - timedelta(hours=30)).replace(minute=0, second=0, microsecond=0)
    args = ["--start", start.isoformat(), "--until-now", "--agents", "12", "--seed", "5",
            "--time-zone", _mid_morning_zone(now), "--kinesis-endpoint", "moto",
            "--kinesis-backlog-hours", "2", "--stream-name", "agent-events"]
    seen = []
    for _ in range(2):
        process, text = _start_serving(*args)
        try:
            simulated = re.search(r"simulated time (\S+ \S+)Z", text)
            kinesis = re.search(r"Kinesis stream 'agent-events' at (http://\S+)", text)
            assert simulated and kinesis, text
            opened = datetime.fromisoformat(simulated.group(1)).replace(tzinfo=UTC)
            assert abs((opened - datetime.now(UTC)).total_seconds()) < 30, (
                f"the simulated clock opens at the wall clock's now, not at {opened}")
            seen.append((opened, _events(kinesis.group(1))))
        finally:
            _stop(process)
        time.sleep(1.5)

    (first_opened, first), (second_opened, second) = seen
    assert second_opened > first_opened
    assert len(first) > 20, "agents at work write events"
    window_start = (second_opened - timedelta(hours=2) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    kept = {event_id: event for event_id, event in first.items() if event[0] >= window_start}
    assert kept and all(second.get(event_id) == event for event_id, event in kept.items()), (
        "the restarted server wrote the same events under the same ids")
