"""Shard lineage and worker assignment."""

from __future__ import annotations

from tap_connect_kinesis.shards import Shard, assigned, lineage_order, ready, worker_of


def _lineage() -> dict[str, Shard]:
    shards = [
        Shard("s0", ending_sequence_number="10"),
        Shard("s1", ending_sequence_number="20"),
        Shard("s2", parent="s0", ending_sequence_number="30"),
        Shard("s3", parent="s0"),
        Shard("s4", parent="s2", adjacent_parent="s1"),
        Shard("s5"),
    ]
    return {s.shard_id: s for s in shards}


def test_parents_come_before_children():
    by_id = _lineage()
    order = [s.shard_id for s in lineage_order(list(reversed(by_id.values())), by_id)]
    for shard in by_id.values():
        for parent in shard.parents:
            assert order.index(parent) < order.index(shard.shard_id)


def test_a_child_is_ready_once_its_parents_are_finished_or_gone():
    by_id = _lineage()
    assert not ready(by_id["s4"], by_id, finished={"s0", "s2"})
    assert ready(by_id["s4"], by_id, finished={"s0", "s1", "s2"})
    del by_id["s1"]  # expired past retention
    assert ready(by_id["s4"], by_id, finished={"s2"})


def test_every_shard_has_exactly_one_worker_and_children_follow_their_parent():
    by_id = _lineage()
    for count in (1, 2, 3, 5):
        owners = [assigned(by_id.values(), index, count) for index in range(count)]
        ids = [s.shard_id for shards in owners for s in shards]
        assert sorted(ids) == sorted(by_id)
        for shard in by_id.values():
            if shard.parent:
                assert worker_of(shard.shard_id, by_id, count) == worker_of(shard.parent, by_id, count)


def test_a_child_keeps_its_worker_when_its_parent_expires():
    by_id = _lineage()
    before = {k: worker_of(k, by_id, 4) for k in ("s2", "s3")}
    del by_id["s0"]
    assert {k: worker_of(k, by_id, 4) for k in ("s2", "s3")} == before
