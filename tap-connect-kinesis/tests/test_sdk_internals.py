"""Every Singer SDK behaviour the tap relies on through its private API (sdk_internals.py).

One test per behaviour: an SDK upgrade that changes one fails here, instead of a STATE
message that no longer carries the checkpoint (data read twice, or skipped) or a BATCH
message a target reads differently.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import signal
import typing as t

import pytest

from tap_connect_kinesis import sdk_internals as sdk
from tap_connect_kinesis.checkpoint import Checkpoint
from tap_connect_kinesis.tap import TapConnectKinesis

CONFIG = {"stream_name": "agents", "aws_region": "us-west-2", "aws_access_key_id": "testing",
          "aws_secret_access_key": "testing"}
SAVED_STATE = {"bookmarks": {"agent_events": {
    "kinesis_stream": "agents", "stream_arn": "arn:aws:kinesis:us-west-2:1:stream/agents",
    "stream_created_at": "2026-11-02T08:00:00.000Z", "other": "kept",
    "shards": {"shard-a": {"sequence_number": "100", "finished": False}}}}}


def _tap(state: dict | None = None, **config: t.Any) -> TapConnectKinesis:
    return TapConnectKinesis(config={**CONFIG, **config}, state=json.loads(json.dumps(state or SAVED_STATE)))


@contextlib.contextmanager
def _messages() -> t.Iterator[list[dict[str, t.Any]]]:
    """The Singer messages written to stdout inside the block (parsed when it ends)."""
    out = io.StringIO()
    messages: list[dict[str, t.Any]] = []
    try:
        with contextlib.redirect_stdout(out):
            yield messages
    finally:
        messages.extend(json.loads(line) for line in out.getvalue().splitlines() if line.strip())


def _checkpoint(tap: TapConnectKinesis) -> tuple[t.Any, Checkpoint]:
    stream = tap.streams["agent_events"]
    return stream, Checkpoint.from_bookmark(sdk.bookmark_of(stream), "agents", stream.name)


def test_the_batch_helper_encodes_jsonl_files_as_the_batch_message_says():
    """helpers._batch: BaseBatchFileEncoding is the BATCH message's `encoding`, as targets read it."""
    tap = _tap()
    stream = tap.streams["agent_events"]
    with _messages() as messages:
        sdk.write_batch(stream, sdk.batch_encoding(None), ["file:///tmp/a.jsonl"])
        sdk.write_batch(stream, sdk.batch_encoding("gzip"), ["file:///tmp/b.jsonl.gz"])
    assert messages == [
        {"type": "BATCH", "stream": "agent_events", "encoding": {"format": "jsonl", "compression": "none"},
         "manifest": ["file:///tmp/a.jsonl"]},
        {"type": "BATCH", "stream": "agent_events", "encoding": {"format": "jsonl", "compression": "gzip"},
         "manifest": ["file:///tmp/b.jsonl.gz"]},
    ]
    assert sdk.batch_config(), "a truthy batch config: Stream.sync calls get_batches"


def test_each_batch_yielded_is_written_as_batch_then_a_state_carrying_the_checkpoint(monkeypatch):
    """Stream.sync → get_batches (the batch config) → _sync_batches: BATCH, then STATE of the
    tap's state as it is then; nothing after the stream ends (is_flushed), keys not ours kept."""
    tap = _tap()
    stream, checkpoint = _checkpoint(tap)
    encoding = sdk.batch_encoding(None)
    expected = []

    def run_loop(caller: t.Any) -> t.Iterator[tuple[t.Any, list[str]]]:
        assert caller is stream
        for n in (1, 2):
            checkpoint.advance("shard-a", str(100 + n))
            checkpoint.start(f"shard-{n}")
            sdk.put_checkpoints({stream: checkpoint})
            expected.append(checkpoint.bookmark())
            yield encoding, [f"file:///tmp/{n}.jsonl"]

    monkeypatch.setattr(tap, "run_loop", run_loop)
    with _messages() as messages:
        stream.sync()
        stream.finalize_state_progress_markers()  # what Tap.sync_all does after each stream
    kinds = [m["type"] for m in messages]
    assert kinds == ["SCHEMA", "BATCH", "STATE", "BATCH", "STATE"]
    states = [m["value"]["bookmarks"]["agent_events"] for m in messages if m["type"] == "STATE"]
    assert states == [{**bookmark, "other": "kept"} for bookmark in expected]
    assert [m["manifest"] for m in messages if m["type"] == "BATCH"] == [["file:///tmp/1.jsonl"],
                                                                       ["file:///tmp/2.jsonl"]]


def test_stream_state_is_the_bookmark_inside_the_taps_state():
    """state_manager.stream_state is tap.state["bookmarks"][stream]: what STATE messages carry."""
    tap = _tap()
    stream, checkpoint = _checkpoint(tap)
    assert checkpoint.bookmark()["shards"] == SAVED_STATE["bookmarks"]["agent_events"]["shards"]
    checkpoint.check_identity("arn:aws:kinesis:us-west-2:1:stream/agents", "2026-12-01T00:00:00.000Z")
    checkpoint.start("shard-new")
    sdk.put_checkpoints({stream: checkpoint})
    assert tap.state["bookmarks"]["agent_events"] == {**checkpoint.bookmark(), "other": "kept"}
    assert "stream_created_at" in tap.state["bookmarks"]["agent_events"]
    fresh = Checkpoint("agents")  # no identity: the keys are removed, not left stale
    sdk.put_checkpoints({stream: fresh})
    assert tap.state["bookmarks"]["agent_events"] == {"kinesis_stream": "agents", "shards": {}, "other": "kept"}


def test_is_flushed_a_state_is_written_once_until_something_else_is_written():
    """_write_state_message writes only when is_flushed is False, then sets it; the state writer
    writes a state only when it differs from the last written."""
    tap = _tap()
    stream, checkpoint = _checkpoint(tap)
    checkpoint.advance("shard-a", "101")
    with _messages() as messages:
        sdk.write_state(stream, {stream: checkpoint})
        assert stream.state_manager.is_flushed is True
        stream._write_state_message()  # what the SDK calls when the stream ends: nothing new
        sdk.write_state(stream, {stream: checkpoint})  # the same state: not written twice
        checkpoint.advance("shard-a", "102")
        sdk.put_checkpoints({stream: checkpoint})
        sdk.mark_unflushed(stream)
        assert stream.state_manager.is_flushed is False
        stream._write_state_message()  # unflushed and changed: written
    assert [m["value"]["bookmarks"]["agent_events"]["shards"]["shard-a"]["sequence_number"]
            for m in messages] == ["101", "102"]


def test_the_sdks_own_record_message_unflushes_the_state_as_mark_unflushed_does():
    tap = _tap()
    stream = tap.streams["agent_events"]
    sdk.write_state(stream, {stream: _checkpoint(tap)[1]})
    with _messages() as messages:
        sdk.write_record_the_sdk_way(stream, {"event_id": "e1", "event_type": "LOGIN"})
    assert stream.state_manager.is_flushed is False
    assert [m["type"] for m in messages] == ["RECORD"]


def test_handle_termination_writes_the_last_state_put_and_exits_0():
    """Tap._handle_termination (a second signal): the tap's state as last put, then exit 0. A
    position the reader moved but no STATE carried yet (the batch in hand) is not in it."""
    tap = _tap()
    stream, checkpoint = _checkpoint(tap)
    checkpoint.advance("shard-a", "150")
    sdk.put_checkpoints({stream: checkpoint})
    checkpoint.advance("shard-a", "199")  # read, not written
    with _messages() as messages, pytest.raises(SystemExit) as exit_:
        sdk.terminate(tap, signal.SIGTERM, None)
    assert exit_.value.code == 0
    assert messages[-1]["type"] == "STATE"
    assert messages[-1]["value"]["bookmarks"]["agent_events"]["shards"]["shard-a"]["sequence_number"] == "150"


def test_record_message_template_is_the_sdks_record_message_without_the_record():
    tap = _tap()
    stream = tap.streams["agent_events"]
    with _messages() as messages:
        sdk.write_record_the_sdk_way(stream, {"event_id": "e1"})
    theirs = messages[0]
    ours = sdk.record_message_template(stream)
    assert list(ours) == list(theirs), "same keys, same order"
    assert ours["type"] == "RECORD" and ours["stream"] == theirs["stream"] == "agent_events"
    time_form = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
    assert time_form.fullmatch(ours["time_extracted"]) and time_form.fullmatch(theirs["time_extracted"])
    stream._stream_version = 1234  # FULL_TABLE streams with ACTIVATE_VERSION have one
    assert sdk.record_message_template(stream)["version"] == 1234


def test_rows_pass_unchanged_only_without_stream_maps():
    assert sdk.rows_pass_unchanged(_tap().streams["agent_events"])
    mapped = _tap(stream_maps={"agent_events": {"__alias__": "events"}})
    assert not sdk.rows_pass_unchanged(mapped.streams["agent_events"])
    dropped = _tap(stream_maps={"agent_events": {"username": None}})
    assert not sdk.rows_pass_unchanged(dropped.streams["agent_events"])


def test_write_schema_writes_the_streams_schema_message():
    stream = _tap().streams["agent_events"]
    with _messages() as messages:
        sdk.write_schema(stream)
    assert [(m["type"], m["stream"], m["key_properties"]) for m in messages] == [
        ("SCHEMA", "agent_events", ["event_id"])]
    assert messages[0]["schema"]["properties"].keys() == stream.schema["properties"].keys()


def test_a_stream_knows_its_tap():
    tap = _tap()
    assert sdk.tap_of(tap.streams["agent_events"]) is tap
