"""The doctor against the simulator (each IAM action denied in turn) and moto's Kinesis."""

from __future__ import annotations

import pytest
from wfm_pipeline.doctor import Doctor

from connect_sim.faults import FaultPlan

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
