"""The checkpoint (checkpoint.py): the one owner of the positions and the stream's identity."""

from __future__ import annotations

import logging

from tap_connect_kinesis.checkpoint import Checkpoint, Identity

SAVED = {"kinesis_stream": "agents", "stream_arn": "arn:aws:kinesis:us-west-2:1:stream/agents",
         "stream_created_at": "2026-11-02T08:00:00.000Z",
         "shards": {"shard-a": {"sequence_number": "49650", "finished": False},
                    "shard-b": {"sequence_number": "49700", "finished": True}}}


def test_a_saved_bookmark_round_trips_and_is_never_changed():
    saved = {**SAVED, "shards": {k: dict(v) for k, v in SAVED["shards"].items()}}
    checkpoint = Checkpoint.from_bookmark(saved, "agents")
    assert checkpoint.bookmark() == SAVED
    checkpoint.advance("shard-a", "49660")
    checkpoint.bookmark()["shards"]["shard-a"]["sequence_number"] = "1"  # a copy: changes nothing
    assert checkpoint.sequence_number("shard-a") == "49660"
    assert saved == SAVED, "the SDK's dict is not changed by the checkpoint"


def test_a_bookmark_of_another_stream_is_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="tap_connect_kinesis.checkpoint"):
        checkpoint = Checkpoint.from_bookmark(SAVED, "other-stream", "agent_events")
    assert checkpoint.bookmark() == {"kinesis_stream": "other-stream", "shards": {}}
    assert "State is for Kinesis stream 'agents', not 'other-stream': starting agent_events afresh" in caplog.text


def test_no_bookmark_starts_empty():
    assert Checkpoint.from_bookmark({}, "agents").bookmark() == {"kinesis_stream": "agents", "shards": {}}
    assert Checkpoint.from_bookmark(None, "agents").bookmark() == {"kinesis_stream": "agents", "shards": {}}


def test_shards_start_advance_finish_reopen_and_drop():
    checkpoint = Checkpoint("agents")
    assert checkpoint.start("s1") is True
    assert checkpoint.start("s1") is False
    assert checkpoint.sequence_number("s1") is None and not checkpoint.is_finished("s1")
    checkpoint.advance("s1", "100")
    checkpoint.advance("s2", "7")  # a shard not yet listed
    checkpoint.finish("s1")
    assert checkpoint.bookmark()["shards"] == {"s1": {"sequence_number": "100", "finished": True},
                                               "s2": {"sequence_number": "7", "finished": False}}
    checkpoint.reopen("s1")
    assert not checkpoint.is_finished("s1") and checkpoint.sequence_number("s1") == "100"
    assert checkpoint.drop("s2") is True and checkpoint.drop("s2") is False
    assert list(checkpoint) == ["s1"] and "s1" in checkpoint and len(checkpoint) == 1


def test_the_same_stream_keeps_its_positions():
    checkpoint = Checkpoint.from_bookmark(SAVED, "agents")
    assert checkpoint.check_identity(SAVED["stream_arn"], SAVED["stream_created_at"]) is Identity.SAME
    assert checkpoint.bookmark() == SAVED


def test_a_stream_created_again_discards_the_positions_and_records_the_new_identity():
    checkpoint = Checkpoint.from_bookmark(SAVED, "agents")
    assert checkpoint.check_identity(SAVED["stream_arn"], "2026-11-03T09:00:00.000Z") is Identity.RECREATED
    assert checkpoint.bookmark() == {"kinesis_stream": "agents", "stream_arn": SAVED["stream_arn"],
                                     "stream_created_at": "2026-11-03T09:00:00.000Z", "shards": {}}
    other = Checkpoint.from_bookmark(SAVED, "agents")
    assert other.check_identity("arn:aws:kinesis:us-west-2:1:stream/x", SAVED["stream_created_at"]) \
        is Identity.RECREATED


def test_a_state_without_identity_adopts_the_streams_and_keeps_its_positions():
    saved = {k: v for k, v in SAVED.items() if k not in ("stream_arn", "stream_created_at")}
    checkpoint = Checkpoint.from_bookmark(saved, "agents")
    assert checkpoint.check_identity(SAVED["stream_arn"], SAVED["stream_created_at"]) is Identity.ADOPTED
    assert checkpoint.bookmark() == SAVED
