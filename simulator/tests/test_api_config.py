"""Configuration APIs: the directory as it stands at the request's moment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_instances_describe_themselves_by_id_or_arn(shared_connect_rig):
    client = shared_connect_rig.client()
    instance = shared_connect_rig.instance

    [summary] = client.list_instances()["InstanceSummaryList"]
    by_id = client.describe_instance(InstanceId=instance.id)["Instance"]
    by_arn = client.describe_instance(InstanceId=instance.arn)["Instance"]

    assert by_id == by_arn == summary
    assert summary["Arn"] == instance.arn and summary["InstanceAlias"] == instance.alias
    assert summary["InstanceStatus"] == "ACTIVE"
    assert summary["IdentityManagementType"] == "CONNECT_MANAGED"
    assert summary["InboundCallsEnabled"] and summary["OutboundCallsEnabled"]
    assert summary["CreatedTime"] == _at(instance.created_ms)


def test_queue_types_filter_and_agent_queues_have_no_name(shared_connect_rig):
    client = shared_connect_rig.client()
    instance = shared_connect_rig.instance

    standard = client.list_queues(InstanceId=instance.arn, QueueTypes=["STANDARD"],
                                  MaxResults=1000)["QueueSummaryList"]
    agent = client.list_queues(InstanceId=instance.id, QueueTypes=["AGENT"],
                               MaxResults=1000)["QueueSummaryList"]

    directory = shared_connect_rig.world.directory
    assert [q["Id"] for q in standard] == [
        q.id for q in directory.queues_of(instance.id) if q.queue_type == "STANDARD"]
    assert all(q["QueueType"] == "STANDARD" and q["Name"] for q in standard)
    assert len(agent) == 20 and all(q["QueueType"] == "AGENT" and "Name" not in q for q in agent)
    described = client.describe_queue(InstanceId=instance.id, QueueId=standard[0]["Id"])["Queue"]
    assert described["Name"] == standard[0]["Name"] and described["Status"] == "ENABLED"


def test_agent_status_types_filter(shared_connect_rig):
    client = shared_connect_rig.client()

    custom = client.list_agent_statuses(InstanceId=shared_connect_rig.instance.id,
                                        AgentStatusTypes=["CUSTOM"])["AgentStatusSummaryList"]
    every = client.list_agent_statuses(InstanceId=shared_connect_rig.instance.id)[
        "AgentStatusSummaryList"]

    assert custom and {s["Type"] for s in custom} == {"CUSTOM"}
    assert {s["Type"] for s in every} == {"ROUTABLE", "CUSTOM", "OFFLINE"}


def test_hierarchy_path_runs_from_the_top_level_down(shared_connect_rig):
    client = shared_connect_rig.client()
    directory = shared_connect_rig.world.directory
    team = next(g for g in directory.hierarchy_groups if g.level_id == "2")
    site = next(g for g in directory.hierarchy_groups if g.id == team.parent_id)

    group = client.describe_user_hierarchy_group(InstanceId=shared_connect_rig.instance.id,
                                                 HierarchyGroupId=team.id)["HierarchyGroup"]

    assert group["LevelId"] == "2"
    assert group["HierarchyPath"] == {
        "LevelOne": {"Id": site.id, "Arn": site.arn, "Name": site.name},
        "LevelTwo": {"Id": team.id, "Arn": team.arn, "Name": team.name},
    }


def test_users_are_shown_as_they_are_at_the_moment(connect_rig):
    rig = connect_rig(hours=1)
    client = rig.client()
    instance = rig.instance
    users = rig.world.directory.users_of(instance.id)
    changed, deleted = users[0], users[1]
    other_profile = next(p.id for p in rig.world.directory.routing_profiles
                         if p.instance_id == instance.id
                         and p.id != changed.version_at(rig.clock.now_ms()).routing_profile_id)
    change_ms = rig.clock.now_ms() + 600_000
    rig.world.modify_user(changed.id, change_ms, routing_profile_id=other_profile,
                          after_contact_work_limit_s=30)
    rig.world.delete_user(deleted.id, change_ms)

    before = {u["Id"]: u for u in client.list_users(InstanceId=instance.id)["UserSummaryList"]}
    rig.clock.advance(900)
    after = {u["Id"]: u for u in client.list_users(InstanceId=instance.id)["UserSummaryList"]}
    described = client.describe_user(InstanceId=instance.id, UserId=changed.id)["User"]
    searched = client.search_users(InstanceId=instance.id, SearchCriteria={"StringCondition": {
        "FieldName": "resourceId", "Value": changed.id, "ComparisonType": "EXACT"}})["Users"]

    assert deleted.id in before and deleted.id not in after
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_user(InstanceId=instance.id, UserId=deleted.id)
    agent_queues = client.list_queues(InstanceId=instance.id, QueueTypes=["AGENT"],
                                      MaxResults=1000)["QueueSummaryList"]
    assert len(agent_queues) == len(after) - 2  # the two supervisors have no agent queue
    assert before[changed.id]["LastModifiedTime"] < after[changed.id]["LastModifiedTime"] == _at(
        change_ms)
    assert described["RoutingProfileId"] == other_profile
    assert described["LastModifiedTime"] == _at(change_ms)
    assert described["PhoneConfig"]["AfterContactWorkTimeLimit"] == 30
    # SearchUsers reports the same limit in milliseconds (Connect's documented quirk)
    assert searched[0]["PhoneConfig"]["AfterContactWorkTimeLimit"] == 30_000


def test_search_users_criteria_and_filters(shared_connect_rig):
    client = shared_connect_rig.client()
    instance = shared_connect_rig.instance
    now = shared_connect_rig.clock.now_ms()
    directory = shared_connect_rig.world.directory
    users = [u for u in directory.users_of(instance.id) if u.exists_at(now)]
    team = users[0].version_at(now).hierarchy_group_id
    site = next(g.parent_id for g in directory.hierarchy_groups if g.id == team)

    def search(**request) -> list[str]:
        pages = client.get_paginator("search_users").paginate(InstanceId=instance.id, **request)
        return [u["Id"] for page in pages for u in page["Users"]]

    in_team = search(SearchCriteria={"HierarchyGroupCondition": {
        "Value": team, "HierarchyGroupMatchType": "EXACT"}})
    in_site = search(SearchFilter={"UserAttributeFilter": {"HierarchyGroupCondition": {
        "Value": site, "HierarchyGroupMatchType": "WITH_CHILD_GROUPS"}}})
    prefix = users[0].username[:3].upper()
    by_prefix = search(SearchCriteria={"StringCondition": {
        "FieldName": "Username", "Value": prefix, "ComparisonType": "STARTS_WITH"}})
    either = search(SearchCriteria={"OrConditions": [
        {"StringCondition": {"FieldName": "resourceId", "Value": users[0].id,
                             "ComparisonType": "EXACT"}},
        {"StringCondition": {"FieldName": "resourceId", "Value": users[1].id,
                             "ComparisonType": "EXACT"}}]})
    tagged = search(SearchFilter={"TagFilter": {"TagCondition": {"TagKey": "team",
                                                                 "TagValue": "x"}}})

    assert set(in_team) == {u.id for u in users if u.version_at(now).hierarchy_group_id == team}
    assert 0 < len(in_team) < len(in_site) == len(users)
    assert set(by_prefix) == {u.id for u in users if u.username.upper().startswith(prefix)}
    assert either == [users[0].id, users[1].id]
    assert tagged == []  # simulated users carry no tags
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.search_users(InstanceId=instance.id, SearchFilter={
            "TagFilter": {"TagCondition": {"TagKey": "a", "TagValue": "b"}},
            "UserAttributeFilter": {"HierarchyGroupCondition": {"Value": team}}})
