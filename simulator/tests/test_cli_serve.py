"""`connect-sim serve` as a user runs it: a process that answers boto3 and fills a Kinesis stream."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import boto3
import pytest

from connect_sim.cli import build_parser
from connect_sim.kinesis.readback import read_stream


@pytest.fixture
def served():
    process = subprocess.Popen(
        [sys.executable, "-m", "connect_sim.cli", "serve", "--port", "0", "--agents", "8",
         "--history-days", "0.25", "--speed", "120", "--kinesis-endpoint", "moto",
         "--kinesis-backlog-hours", "6", "--stream-name", "agent-events", "--event-shape", "full"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ctrl-C" in line:
            break
    text = "".join(lines)
    yield process, text
    if process.poll() is None:
        process.kill()
        process.wait()


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
