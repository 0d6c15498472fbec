"""What AWS documents and the simulator now does too: instances that are not ACTIVE, the
agent event stream of ListInstanceStorageConfigs, and per-operation throttling quotas
(docs/aws-sources.md §6, §7, §10)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from connect_sim.config import WorldConfig
from connect_sim.faults import FaultPlan

STREAM_ARN = "arn:aws:kinesis:us-west-2:123456789012:stream/connect-agent-events"
NOT_ACTIVE = ("CREATION_IN_PROGRESS", "CREATION_FAILED")


class WallClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_instances_being_created_or_failed_are_listed_and_described_only(connect_rig):
    rig = connect_rig(WorldConfig(seed=7, agents_per_instance=4, instances_not_active=NOT_ACTIVE), hours=2)
    client = rig.client()

    listed = client.list_instances()["InstanceSummaryList"]

    assert [i["InstanceStatus"] for i in listed] == ["ACTIVE", *NOT_ACTIVE]
    creating, failed = listed[1:]
    assert client.describe_instance(InstanceId=creating["Arn"])["Instance"]["InstanceStatus"] == "CREATION_IN_PROGRESS"
    described = client.describe_instance(InstanceId=failed["Id"])["Instance"]
    assert described["InstanceStatus"] == "CREATION_FAILED" and described["StatusReason"]["Message"]
    for call in (lambda: client.list_queues(InstanceId=creating["Id"]),
                 lambda: client.list_users(InstanceId=failed["Id"])):
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            call()


def test_a_failed_instance_is_listed_for_24_hours_only(connect_rig):
    rig = connect_rig(WorldConfig(seed=7, agents_per_instance=4, instances_not_active=("CREATION_FAILED",)),
                      hours=25)
    client = rig.client()

    assert [i["InstanceStatus"] for i in client.list_instances()["InstanceSummaryList"]] == ["ACTIVE"]


def test_storage_configs_show_the_agent_event_stream(connect_rig):
    rig = connect_rig(WorldConfig(seed=7, agents_per_instance=4, agent_event_stream_arn=STREAM_ARN), hours=1)
    client = rig.client()
    instance_id = rig.instance.id

    pages = list(client.get_paginator("list_instance_storage_configs").paginate(
        InstanceId=instance_id, ResourceType="AGENT_EVENTS", PaginationConfig={"PageSize": 10}))
    [config] = [c for page in pages for c in page["StorageConfigs"]]

    assert config["StorageType"] == "KINESIS_STREAM"
    assert config["KinesisStreamConfig"] == {"StreamArn": STREAM_ARN}
    assert config["AssociationId"]
    recordings = client.list_instance_storage_configs(InstanceId=instance_id, ResourceType="CALL_RECORDINGS")
    assert recordings["StorageConfigs"] == []
    with pytest.raises(client.exceptions.InvalidParameterException, match="less than or equal to 10"):
        client.list_instance_storage_configs(InstanceId=instance_id, ResourceType="AGENT_EVENTS",
                                             MaxResults=11)


def test_without_a_stream_agent_event_streaming_is_off(shared_connect_rig):
    client = shared_connect_rig.client()

    answer = client.list_instance_storage_configs(InstanceId=shared_connect_rig.instance.id,
                                                  ResourceType="AGENT_EVENTS")

    assert answer["StorageConfigs"] == [] and "NextToken" not in answer


def _throttled(call) -> bool:
    try:
        call()
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ThrottlingException"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        return True
    return False


def test_realistic_quotas_throttle_each_operation_beyond_its_own_bucket(connect_rig):
    wall = WallClock()
    rig = connect_rig(faults=FaultPlan(realistic_quotas=True), hours=1, wall=wall)
    client = rig.client()
    instance_id = rig.instance.id
    queue_id = rig.world.directory.queues_of(instance_id)[0].id
    list_users = lambda: client.list_users(InstanceId=instance_id)  # noqa: E731
    current = lambda: client.get_current_metric_data(  # noqa: E731
        InstanceId=instance_id, Filters={"Queues": [queue_id]},
        CurrentMetrics=[{"Name": "AGENTS_ONLINE", "Unit": "COUNT"}])

    # a burst of 5 for ListUsers (2/s), of 8 for GetCurrentMetricData (5/s), each its own
    assert [_throttled(list_users) for _ in range(6)] == [False] * 5 + [True]
    assert [_throttled(current) for _ in range(9)] == [False] * 8 + [True]
    wall.now += 0.5  # ListUsers refills one token, GetCurrentMetricData two and a half
    assert [_throttled(list_users) for _ in range(2)] == [False, True]
    assert [_throttled(current) for _ in range(3)] == [False, False, True]
    wall.now += 10
    assert [_throttled(list_users) for _ in range(6)] == [False] * 5 + [True]
