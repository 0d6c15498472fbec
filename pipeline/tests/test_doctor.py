"""The doctor against the simulator (each IAM action denied in turn) and moto's Kinesis."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from wfm_pipeline.doctor import Doctor

from connect_sim.faults import FaultPlan

ROOT = Path(__file__).resolve().parents[2]
CONNECT_ACTIONS = ["ListQueues", "DescribeQueue", "ListRoutingProfiles", "ListAgentStatuses",
                   "ListUserHierarchyGroups", "DescribeUserHierarchyGroup", "ListUsers", "DescribeUser",
                   "GetMetricDataV2", "GetCurrentMetricData"]


def connect_config(url: str, **extra) -> dict:
    return {"aws_endpoint_url": url, "aws_region": "USWest2", "aws_access_key_id": "AKIADOCTOR",
            "aws_secret_access_key": "doctor-secret", **extra}


@pytest.fixture(scope="module")
def centre():
    from connect_sim.api.server import start_server
    from connect_sim.config import WorldConfig
    from connect_sim.world import World

    world = World(WorldConfig(seed=3, agents_per_instance=6))
    world.clock.advance(10 * 3600)
    server = start_server(world)
    yield world, server.url
    server.stop()


def test_everything_allowed_is_healthy(centre):
    _, url = centre
    doctor = Doctor()
    doctor.amazon_connect(connect_config(url))
    assert doctor.healthy, doctor.table()
    checks = {f.check for f in doctor.findings}
    assert {"tap-amazon-connect: region", "tap-amazon-connect: credentials", "clock skew",
            "connect:ListInstances", "connect:GetMetricDataV2"} <= checks
    assert "doctor-secret" not in doctor.table()


@pytest.mark.parametrize("action", CONNECT_ACTIONS)
def test_each_denied_action_is_named_with_its_fix(centre, action):
    world, url = centre
    world.faults = FaultPlan(access_denied=frozenset({action}))
    try:
        doctor = Doctor()
        doctor.amazon_connect(connect_config(url))
    finally:
        world.faults = FaultPlan()
    failed = [f for f in doctor.findings if not f.ok]
    assert [f.check for f in failed] == [f"connect:{action}"], doctor.table()
    assert f"allow connect:{action}" in failed[0].fix


def test_unknown_instance_and_bad_region_say_what_to_fix(centre):
    _, url = centre
    doctor = Doctor()
    doctor.amazon_connect(connect_config(url, instance_ids=["00000000-aaaa-bbbb-cccc-000000000000"]))
    unknown = next(f for f in doctor.findings if f.check.startswith("instance "))
    assert not unknown.ok and "check instance_ids and aws_region" in unknown.fix
    doctor = Doctor()
    doctor.amazon_connect(connect_config(url, aws_region="USWest9"))
    assert [f.check for f in doctor.findings] == ["tap-amazon-connect: settings"]
    assert "not an AWS region" in doctor.findings[0].detail


def test_kinesis_stream_checks(moto_kinesis, unique_name):
    stream = unique_name("agents")
    kinesis = moto_kinesis.client("kinesis")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=stream)
    base = {"aws_endpoint_url": moto_kinesis.endpoint_url, "aws_region": kinesis.meta.region_name,
            "aws_access_key_id": "x", "aws_secret_access_key": "y"}
    doctor = Doctor()
    doctor.connect_kinesis({**base, "stream_name": stream})
    assert doctor.healthy, doctor.table()
    assert [f.check for f in doctor.findings if f.check.startswith("kinesis:")] == [
        "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords"]
    assert any(f.check == "clock skew" and f.ok for f in doctor.findings)
    doctor = Doctor()
    doctor.connect_kinesis({**base, "stream_name": "no-such-stream"})
    missing = next(f for f in doctor.findings if f.check == "kinesis:DescribeStreamSummary")
    assert not missing.ok and "check stream_name and aws_region" in missing.fix


def test_unreachable_proxy_is_reported(centre):
    _, url = centre
    doctor = Doctor()
    doctor.session("tap-amazon-connect", connect_config(url, proxy_address="127.0.0.1", proxy_port=9))
    proxy = next(f for f in doctor.findings if f.check == "tap-amazon-connect: proxy")
    assert not proxy.ok and "check proxy_address" in proxy.fix


AGENT_EVENTS_ARN = "arn:aws:kinesis:us-west-2:123456789012:stream/connect-agent-events"


@pytest.fixture(scope="module")
def streaming_centre():
    from connect_sim.api.server import start_server
    from connect_sim.config import WorldConfig
    from connect_sim.world import World

    world = World(WorldConfig(seed=3, agents_per_instance=4, agent_event_stream_arn=AGENT_EVENTS_ARN))
    server = start_server(world)
    yield world, server.url
    server.stop()


def kinesis_config(**extra) -> dict:
    return {"aws_region": "us-west-2", "aws_access_key_id": "x", "aws_secret_access_key": "y", **extra}


@pytest.mark.parametrize("read", [{"stream_name": "connect-agent-events"}, {"stream_arn": AGENT_EVENTS_ARN}])
def test_the_agent_event_stream_each_instance_writes_is_the_one_read(streaming_centre, read):
    world, url = streaming_centre
    doctor = Doctor()
    doctor.agent_event_streams(connect_config(url), kinesis_config(**read))
    found = {f.check: f for f in doctor.findings}
    stream = found[f"agent events of instance {world.directory.instances[0].id}"]
    assert stream.ok and not stream.warning and AGENT_EVENTS_ARN in stream.detail
    assert found["connect:ListInstanceStorageConfigs"].ok


@pytest.mark.parametrize("read", [{"stream_name": "other-events"},
                                  {"stream_name": "connect-agent-events", "aws_region": "eu-west-1"}])
def test_another_stream_than_the_one_read_is_a_warning(streaming_centre, read):
    _, url = streaming_centre
    doctor = Doctor()
    doctor.agent_event_streams(connect_config(url), kinesis_config(**read))
    [warning] = [f for f in doctor.findings if f.warning]
    assert warning.check.startswith("agent events of instance ") and AGENT_EVENTS_ARN in warning.detail
    assert "stream_name" in warning.fix
    assert doctor.healthy and "WARNING: written to" in doctor.table()


def test_agent_event_streaming_off_is_a_warning(centre):
    _, url = centre
    doctor = Doctor()
    doctor.agent_event_streams(connect_config(url), kinesis_config(stream_name="connect-agent-events"))
    [warning] = [f for f in doctor.findings if f.warning]
    assert "agent event streaming is off: the adherence tables will stay empty" in warning.detail
    assert doctor.healthy


def test_without_list_instance_storage_configs_the_stream_cannot_be_checked(streaming_centre):
    world, url = streaming_centre
    world.faults = FaultPlan(access_denied=frozenset({"ListInstanceStorageConfigs"}))
    try:
        doctor = Doctor()
        doctor.agent_event_streams(connect_config(url), kinesis_config(stream_name="connect-agent-events"))
    finally:
        world.faults = FaultPlan()
    [warning] = doctor.findings
    assert warning.check == "connect:ListInstanceStorageConfigs" and warning.warning
    assert "cannot check" in warning.detail and "(optional" in warning.fix
    assert doctor.healthy


# -- the doctor on the way to AWS: every failure a row with its fix, never a traceback --------------

def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _NotAws(BaseHTTPRequestHandler):
    """A web server where AWS should be: an HTML page, with the status it was given."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html><body>Welcome to the intranet</body></html>"
        self.send_response(self.server.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def not_aws():
    servers = []

    def start(status: int) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _NotAws)
        server.status = status
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent_endpoint():
    """Accepts connections, never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def _both_taps(doctor: Doctor, config: dict) -> list:
    """Run the doctor's checks of both taps on the same AWS settings; the FAILED rows."""
    doctor.amazon_connect(config)
    doctor.connect_kinesis({**config, "stream_name": "connect-agent-events"})
    return [f for f in doctor.findings if not f.ok]


TAP_ROWS = {"tap-amazon-connect": ("connect:", "tap-amazon-connect"), "tap-connect-kinesis": ("kinesis:", "tap-connect-kinesis")}


def _assert_each_tap_says(failed: list, detail: str, fix: str) -> None:
    for tap, prefixes in TAP_ROWS.items():
        rows = [(f.detail, f.fix) for f in failed if f.check.startswith(prefixes)]
        assert any(detail in d and fix in x for d, x in rows), (tap, rows)


@pytest.mark.parametrize(("endpoint", "detail", "fix"), [
    ("refused", "(connection refused)", "check aws_endpoint_url"),
    ("dns", "is not found (DNS)", "check aws_region and aws_endpoint_url"),
    ("tls", "TLS with https://127.0.0.1", "https:// only for an endpoint that speaks TLS"),
    ("html 200", "the endpoint answered, but not as AWS does", "check aws_endpoint_url"),
    ("html 404", "the endpoint answered HTTP 404, which is not an AWS answer", "check aws_endpoint_url"),
])
def test_an_endpoint_that_is_not_aws_is_a_row_with_the_fix(centre, not_aws, endpoint, detail, fix):
    _, url = centre
    endpoint_url = {"refused": lambda: f"http://127.0.0.1:{_closed_port()}",
                    "dns": lambda: "http://connect.doctor-test.invalid",
                    "tls": lambda: url.replace("http://", "https://"),
                    "html 200": lambda: not_aws(200), "html 404": lambda: not_aws(404)}[endpoint]()
    doctor = Doctor()
    failed = _both_taps(doctor, connect_config(endpoint_url))
    _assert_each_tap_says(failed, detail, fix)
    assert not doctor.healthy and "FAILED: " in doctor.table()


def test_an_endpoint_that_never_answers_is_a_row_within_the_timeout(silent_endpoint):
    doctor = Doctor(timeout_s=1)
    started = time.monotonic()
    failed = _both_taps(doctor, connect_config(silent_endpoint))
    _assert_each_tap_says(failed, "did not answer in time (read timeout)", "check aws_endpoint_url and the proxy")
    assert time.monotonic() - started < 30  # 2 attempts of 1 s per tap, not botocore's minutes


def test_a_proxy_that_is_down_is_a_row_and_nothing_else_is_tried(centre):
    _, url = centre
    doctor = Doctor()
    failed = _both_taps(doctor, connect_config(url, proxy_address="127.0.0.1", proxy_port=_closed_port()))
    assert [f.check for f in failed] == ["tap-amazon-connect: proxy", "tap-connect-kinesis: proxy"]
    assert all("(connection refused)" in f.detail and "check proxy_address and proxy_port" in f.fix
               for f in failed)


def test_a_proxy_refusing_the_credentials_is_a_row_naming_them(centre, forward_proxy):
    _, url = centre
    proxy = forward_proxy("wfm-proxy", "the-right-one")
    doctor = Doctor()
    failed = _both_taps(doctor, connect_config(url, proxy_address=proxy.host, proxy_port=proxy.port,
                                               proxy_username="wfm-proxy", proxy_password="a-wrong-one"))
    _assert_each_tap_says(failed, "407 Proxy Authentication Required", "check proxy_username and proxy_password")
    assert proxy.refused > 0 and not proxy.seen
    assert "a-wrong-one" not in doctor.table()


def _doctor_cli(tmp_path, connect: object, kinesis: object) -> subprocess.CompletedProcess:
    paths = []
    for name, content in (("connect", connect), ("kinesis", kinesis)):
        path = tmp_path / f"{name}.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        paths += [f"--{name}-config", str(path)]
    return subprocess.run([str(Path(sys.executable).with_name("wfm-pipeline")), "doctor", *paths], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_command_prints_its_table_for_an_unreachable_endpoint(tmp_path):
    config = connect_config(f"http://127.0.0.1:{_closed_port()}")
    result = _doctor_cli(tmp_path, config, {**config, "stream_name": "connect-agent-events"})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "connect:ListInstances" in result.stdout and "kinesis:DescribeStreamSummary" in result.stdout
    assert result.stdout.count("FAILED: nothing answers at http://127.0.0.1:") == 2  # (connection refused)
    assert "Something the pipeline needs does not work" in result.stdout


def test_a_config_file_the_doctor_cannot_read_is_one_line(tmp_path):
    result = _doctor_cli(tmp_path, '{"aws_region": "us-west-2",}', {"stream_name": "s"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"wfm-pipeline doctor: --connect-config file {tmp_path / 'connect.json'} "
                                     "is not JSON: line 1, column 28: Expecting property name enclosed in "
                                     "double quotes; correct the file there")


def test_when_meltano_cannot_say_the_config_the_doctor_says_so_in_its_table(tmp_path, capsys):
    from wfm_pipeline import doctor as doctor_module

    (tmp_path / "meltano.yml").write_text("plugins: [this is not a meltano project\n")
    assert doctor_module.main(tmp_path) == 1
    table = capsys.readouterr().out
    assert "tap-amazon-connect: configuration" in table and "tap-connect-kinesis: configuration" in table
    assert "FAILED: meltano config print tap-amazon-connect failed" in table
