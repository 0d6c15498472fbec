"""Every use of the Singer SDK's private (underscore) API, in one place.

The tap writes its own BATCH files, RECORD blocks and STATE, so it reaches into the SDK
where the SDK has no public way. Each function below names the private piece it uses, and
tests/test_sdk_internals.py checks every behaviour the tap relies on, so that an SDK upgrade
that changes one fails a test instead of losing data in silence:

  - `singer_sdk.helpers._batch`: BaseBatchFileEncoding (the BATCH message's `encoding`) and
    BatchConfig (a truthy batch config makes `Stream.sync` call `get_batches`);
  - `Stream._sync_batches`: for each (encoding, manifest) `get_batches` yields, a BATCH
    message, then a STATE message of the tap's state as it is then;
  - `Stream._write_batch_message`, `_write_record_message`, `_write_schema_message`,
    `_write_state_message`, `_stream_version`, `_tap`;
  - `state_manager.is_flushed`: `_write_state_message` writes only when it is False, then
    sets it; the SDK's state writer writes a state only when it differs from the last one;
  - `state_manager.stream_state`: the bookmark dict inside the tap's state
    (`tap.state["bookmarks"][stream]`), what a STATE message carries;
  - `Tap._handle_termination`: writes the tap's state, then exits 0 (a second signal);
  - `singer_sdk.helpers._catalog.pop_deselected_record_properties`, `helpers._util.utc_now`
    (RECORD messages written as the SDK writes them).

The checkpoint (checkpoint.py) owns the positions; `put_checkpoints` is the one place they
enter the SDK's state.
"""

from __future__ import annotations

import typing as t
from types import FrameType

from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchConfig
from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._util import utc_now
from singer_sdk.mapper import SameRecordTransform

from .checkpoint import OWNED_KEYS, Checkpoint

if t.TYPE_CHECKING:
    from singer_sdk import Stream, Tap

__all__ = ["BaseBatchFileEncoding", "BatchConfig", "batch_config", "batch_encoding", "bookmark_of",
           "mark_unflushed", "put_checkpoints", "record_message_template", "rows_pass_unchanged", "tap_of",
           "terminate", "write_batch", "write_record_the_sdk_way", "write_schema", "write_state"]


# -- batches ------------------------------------------------------------------------------------
def batch_encoding(compression: str | None) -> BaseBatchFileEncoding:
    """The `encoding` of a BATCH message naming JSON-lines files (gzip or not)."""
    return BaseBatchFileEncoding(format="jsonl", compression=compression or "none")


def batch_config() -> BatchConfig:
    """What `get_batch_config` returns so that `Stream.sync` calls `get_batches` (the tap
    writes the files itself: the value is never read)."""
    return BatchConfig(encoding={"format": "jsonl"}, storage={"root": "file:///tmp"})


def tap_of(stream: Stream) -> t.Any:
    """The tap a stream belongs to (its run_loop feeds every stream)."""
    return stream._tap


def write_batch(stream: Stream, encoding: BaseBatchFileEncoding, manifest: list[str]) -> None:
    """A BATCH message for the stream (its STATE comes with the next write_state)."""
    stream._write_batch_message(encoding=encoding, manifest=manifest)


# -- records, schema ----------------------------------------------------------------------------
def write_schema(stream: Stream) -> None:
    stream._write_schema_message()


def write_record_the_sdk_way(stream: Stream, record: dict[str, t.Any]) -> None:
    """One RECORD message the SDK's way (stream maps, deselected properties, conformance)."""
    stream._write_record_message(record)


def record_message_template(stream: Stream) -> dict[str, t.Any]:
    """A RECORD message as the SDK writes it, without its record: type, stream, version (when
    the stream has one), time_extracted (the SDK's clock and form)."""
    message: dict[str, t.Any] = {"type": "RECORD", "stream": stream.name, "record": None}
    if stream._stream_version is not None:
        message["version"] = stream._stream_version
    message["time_extracted"] = utc_now().isoformat(sep="T")
    return message


def rows_pass_unchanged(stream: Stream) -> bool:
    """No stream map (alias, filter, transform) and no deselected property: a row is written
    as it is."""
    maps = stream.stream_maps
    if len(maps) != 1 or type(maps[0]) is not SameRecordTransform or maps[0].stream_alias != stream.name:
        return False
    probe = dict.fromkeys(stream.schema["properties"], None)
    pop_deselected_record_properties(probe, stream.schema, stream.mask)
    return len(probe) == len(stream.schema["properties"])


def mark_unflushed(stream: Stream) -> None:
    """Messages were written that the next STATE message must follow (as the SDK's own
    _write_record_message does)."""
    stream.state_manager.is_flushed = False


# -- state --------------------------------------------------------------------------------------
def bookmark_of(stream: Stream) -> dict[str, t.Any]:
    """The stream's saved bookmark, a copy (the SDK's dict is changed by put_checkpoints only)."""
    return dict(stream.stream_state)


def put_checkpoints(checkpoints: t.Mapping[Stream, Checkpoint]) -> None:
    """Each checkpoint into its stream's bookmark in the SDK's state: the keys the checkpoint
    owns are replaced (one it no longer has is removed), any other key is left."""
    for stream, checkpoint in checkpoints.items():
        state = stream.stream_state
        bookmark = checkpoint.bookmark()
        for key in OWNED_KEYS:
            if key in bookmark:
                state[key] = bookmark[key]
            else:
                state.pop(key, None)


def write_state(stream: Stream, checkpoints: t.Mapping[Stream, Checkpoint]) -> None:
    """A STATE message of the tap's state with the checkpoints in it (unless the same state
    was the last written: the SDK's state writer writes a state once)."""
    put_checkpoints(checkpoints)
    stream.state_manager.is_flushed = False
    stream._write_state_message()


def terminate(tap: Tap, signum: int, frame: FrameType | None) -> None:
    """The SDK's own end on a signal: the tap's state written, then exit 0 (SystemExit)."""
    tap._handle_termination(signum, frame)
