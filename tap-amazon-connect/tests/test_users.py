"""users: DescribeUser only for new or changed users, deleted users flagged once."""

from __future__ import annotations

from connect_tap_helpers import base_config

STREAM = "users"


def partition(run, instance_id):
    for p in run.state["bookmarks"][STREAM]["partitions"]:
        if p["context"] == {"instance_id": instance_id}:
            return p
    raise AssertionError("no state for the instance")


def test_only_changed_users_are_described_and_deleted_ones_flagged_once(simulated_centre, run_tap):
    centre = simulated_centre(hours=1, agents_per_instance=12, user_change_rate=0, user_delete_rate=0)
    config = base_config(centre)
    iid = centre.instance.id

    first = run_tap(centre, config, streams=[STREAM])
    users = first.records[STREAM]
    listed = [u for u in centre.world.directory.users if u.instance_id == iid]
    assert {u["user_id"] for u in users} == {u.id for u in listed}
    assert first.calls["DescribeUser"] == len(listed)
    assert all(u["first_name"] and u["routing_profile_id"] and u["is_deleted"] is False for u in users)
    assert [u["last_modified_time"] for u in users] == sorted(u["last_modified_time"] for u in users)
    assert partition(first, iid)["replication_key_value"] == max(u["last_modified_time"] for u in users)

    centre.clock.advance(600)
    quiet = run_tap(centre, config, state=first.state, streams=[STREAM])
    assert quiet.calls["ListUsers"] == 1
    assert quiet.calls["DescribeUser"] == 0
    assert quiet.records[STREAM] == []

    changed, deleted = listed[0], listed[1]
    centre.world.modify_user(changed.id, centre.clock.now_ms(), last_name="Renamed")
    centre.world.delete_user(deleted.id, centre.clock.now_ms())
    centre.clock.advance(60)
    third = run_tap(centre, config, state=quiet.state, streams=[STREAM])
    assert third.calls["DescribeUser"] == 1
    rows = {u["user_id"]: u for u in third.records[STREAM]}
    assert rows[changed.id]["last_name"] == "Renamed"
    assert rows[changed.id]["is_deleted"] is False
    assert rows[deleted.id]["is_deleted"] is True
    assert rows[deleted.id]["username"] == next(u["username"] for u in users if u["user_id"] == deleted.id)
    assert rows[deleted.id]["deleted_detected_at"] is not None
    assert len(rows) == 2

    centre.clock.advance(60)
    fourth = run_tap(centre, config, state=third.state, streams=[STREAM])
    assert fourth.records[STREAM] == []  # the deletion is announced once
    assert fourth.calls["DescribeUser"] == 0
