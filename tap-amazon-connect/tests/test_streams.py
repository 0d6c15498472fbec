"""Configuration and current-metrics streams, instances and their state, regions."""

from __future__ import annotations

import pytest
from connect_tap_helpers import base_config, iso_ms
from singer_sdk.exceptions import ConfigValidationError

from tap_amazon_connect.tap import TapAmazonConnect

CONFIG_STREAMS = ["instances", "queues", "routing_profiles", "agent_statuses", "user_hierarchy_groups"]


def test_configuration_streams_mirror_the_directory(simulated_centre, run_tap):
    centre = simulated_centre(hours=1, instances=2, agents_per_instance=12, standard_queues_per_instance=3)
    directory = centre.world.directory
    run = run_tap(centre, base_config(centre), streams=CONFIG_STREAMS)
    r = run.records
    assert {i["instance_id"] for i in r["instances"]} == {i.id for i in directory.instances}
    assert all(i["instance_arn"].startswith("arn:aws:connect:") for i in r["instances"])
    standard = {(q.instance_id, q.id) for q in directory.queues if q.queue_type == "STANDARD"}
    assert {(q["instance_id"], q["queue_id"]) for q in r["queues"]} == standard  # default: STANDARD only
    assert all(q["status"] == "ENABLED" and q["hours_of_operation_id"] for q in r["queues"])
    assert {(p["instance_id"], p["routing_profile_id"]) for p in r["routing_profiles"]} == {
        (p.instance_id, p.id) for p in directory.routing_profiles}
    assert {(s["instance_id"], s["agent_status_id"], s["agent_status_type"]) for s in r["agent_statuses"]} == {
        (s.instance_id, s.id, s.status_type) for s in directory.agent_statuses}
    groups = {(g["instance_id"], g["hierarchy_group_id"]): g for g in r["user_hierarchy_groups"]}
    assert set(groups) == {(g.instance_id, g.id) for g in directory.hierarchy_groups}
    for g in directory.hierarchy_groups:
        row = groups[(g.instance_id, g.id)]
        assert row["level_id"] == g.level_id
        assert row["parent_group_id"] == g.parent_id
        assert row["hierarchy_path"][-1] == {"id": g.id, "name": g.name}


def test_queue_types_and_queue_ids_narrow_the_queues(simulated_centre, run_tap):
    centre = simulated_centre(hours=1, agents_per_instance=6, standard_queues_per_instance=3)
    queues = centre.world.directory.queues_of(centre.instance.id)
    both = run_tap(centre, base_config(centre, queue_types=["STANDARD", "AGENT"]), streams=["queues"])
    assert {q["queue_type"] for q in both.records["queues"]} == {"STANDARD", "AGENT"}
    one = next(q for q in queues if q.queue_type == "STANDARD")
    narrowed = run_tap(centre, base_config(centre, queue_ids=[one.arn]), streams=["queues"])
    assert [q["queue_id"] for q in narrowed.records["queues"]] == [one.id]


def test_current_metrics_snapshot_is_dense_and_stamped(simulated_centre, run_tap):
    # 16:00 UTC: agents of the first instance (Chicago) are at work
    centre = simulated_centre(hours=16, agents_per_instance=20, standard_queues_per_instance=3)
    run = run_tap(centre, base_config(centre), streams=["queue_current_metrics"])
    rows = run.records["queue_current_metrics"]
    assert len(rows) == 3 * 3
    assert {r["collected_at"] for r in rows} == {iso_ms(centre.clock.now_ms())}
    assert sum(r["agents_online"] for r in rows) > 0
    assert all(r["agents_staffed"] <= r["agents_online"] for r in rows)
    assert run.calls["GetCurrentMetricData"] == 1


def test_each_instance_has_its_own_state_and_a_new_one_backfills_alone(simulated_centre, run_tap):
    centre = simulated_centre(hours=20, instances=2, agents_per_instance=8, standard_queues_per_instance=2)
    first_id, second_id = sorted(i.id for i in centre.world.directory.instances)
    start = iso_ms(centre.world.config.start_ms + 14 * 3600 * 1000)
    stream = "queue_interval_metrics"
    one = run_tap(centre, base_config(centre, instance_ids=[first_id], start_date=start), streams=[stream])
    assert {r["instance_id"] for r in one.records[stream]} == {first_id}
    centre.clock.advance(3600)
    arn = next(i.arn for i in centre.world.directory.instances if i.id == second_id)
    two = run_tap(centre, base_config(centre, instance_ids=[first_id, arn], start_date=start),
                  state=one.state, streams=[stream])
    starts = {}
    for row in two.records[stream]:
        starts.setdefault(row["instance_id"], row["interval_start"])
    assert starts[second_id] == start  # backfilled from start_date
    assert starts[first_id] > start  # resumed from its bookmark minus the lookback
    partitions = two.state["bookmarks"][stream]["partitions"]
    assert {p["context"]["instance_id"] for p in partitions} == {first_id, second_id}


@pytest.mark.parametrize("region", ["USWest2", "us-west-2", "EUCentral1"])
def test_region_aliases_are_accepted(simulated_centre, run_tap, region):
    centre = simulated_centre(hours=1, agents_per_instance=4, standard_queues_per_instance=1)
    run = run_tap(centre, base_config(centre, aws_region=region), streams=["instances"])
    assert len(run.records["instances"]) == 1
    assert run.tap.connect.settings.region == {"USWest2": "us-west-2", "us-west-2": "us-west-2",
                                               "EUCentral1": "eu-central-1"}[region]


def test_unknown_region_is_a_clear_error(simulated_centre):
    centre = simulated_centre(hours=0, serve=False)
    centre.url = "http://127.0.0.1:9"
    with pytest.raises(ConfigValidationError, match=r"not an AWS region.*Did you mean"):
        TapAmazonConnect(config=base_config(centre, aws_region="USWset2"))
