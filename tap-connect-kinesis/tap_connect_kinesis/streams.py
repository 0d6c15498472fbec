"""The Singer streams: `agent_events` (key event_id) and, optionally, `contact_records`.

Both are fed by one poll loop (reader.Reader), run from the first selected stream's sync:
`Tap.sync_all` syncs streams one after another, so a never-ending stream would starve the
other. Each poll cycle that read something writes one batch file per stream, a BATCH message
for it, then one STATE message holding every shard's position.

Every call into the SDK's private API goes through sdk_internals.py.
"""

from __future__ import annotations

import sys
import typing as t
from functools import cached_property

import msgspec
from singer_sdk import Stream

from . import sdk_internals as sdk
from .events import AGENT_EVENT_SCHEMA, CONTACT_RECORD_SCHEMA

if t.TYPE_CHECKING:
    from .checkpoint import Checkpoint
    from .sdk_internals import BaseBatchFileEncoding, BatchConfig


_ENCODER = msgspec.json.Encoder()
_WRITE_BYTES = 2**20  # RECORD messages are written to stdout in blocks of about this size


def _write_stdout(data: bytearray) -> None:
    # U+0085, U+2028 and U+2029 end a line for str.splitlines: escaped, as the SDK's
    # simplejson (ASCII only) does, so that every reader sees one message per line. In UTF-8
    # these byte sequences are those characters and nothing else.
    if b"\xe2\x80" in data or b"\xc2\x85" in data:
        data = (data.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
                .replace(b"\xc2\x85", b"\\u0085"))
    stdout = sys.stdout
    stdout.flush()  # what the SDK wrote before, first
    if hasattr(stdout, "buffer"):
        stdout.buffer.write(data)
        stdout.buffer.flush()
    else:  # a text stream without bytes underneath (io.StringIO)
        stdout.write(data.decode())
        stdout.flush()


class KinesisStream(Stream):
    """A stream whose rows come from the tap's shared poll loop."""

    config_stream_name_key: str = ""
    config_stream_arn_key: str = ""

    @property
    def replication_method(self) -> str:
        """Incremental by shard position (the stream's own state), without a replication key."""
        return "INCREMENTAL"

    @property
    def kinesis_stream(self) -> tuple[str | None, str | None]:
        return (self.config.get(self.config_stream_name_key) or None,
                self.config.get(self.config_stream_arn_key) or None)

    def get_batch_config(self, config: t.Mapping[str, t.Any]) -> BatchConfig | None:
        # Always batch: the files are written by the tap itself (see batchfiles.py); the SDK
        # only needs a truthy value to call get_batches.
        return sdk.batch_config()

    def get_batches(self, batch_config: BatchConfig, context: t.Any = None,
                    ) -> t.Iterable[tuple[BaseBatchFileEncoding, list[str]]]:
        # The SDK writes a BATCH message for each, then STATE (the checkpoints put in first).
        yield from sdk.tap_of(self).run_loop(self)

    def get_records(self, context: t.Any) -> t.Iterable[dict]:  # pragma: no cover - batches only
        return iter(())

    def write_batch(self, encoding: BaseBatchFileEncoding, manifest: list[str]) -> None:
        sdk.write_batch(self, encoding, manifest)

    def write_rows(self, rows: t.Iterable[t.Any]) -> None:
        """RECORD messages, for targets that cannot read BATCH (message_format: record).

        The rows are already what the schema says (events.py checks every value), so when no
        stream map or deselected property would change them, each RECORD message is encoded
        at once by msgspec, the row struct and its raw JSON parts included, and the messages
        are written in large blocks. The SDK's way (a row made a dict, conformed to the
        schema, serialised by simplejson, stdout flushed per message) took 3× what BATCH
        messages do. Otherwise the rows go the SDK's way."""
        if not self._rows_pass_unchanged:
            for row in rows:  # through JSON: rows hold raw JSON (msgspec.Raw) for the snapshots
                sdk.write_record_the_sdk_way(self, msgspec.json.decode(msgspec.json.encode(row)))
            return
        message = sdk.record_message_template(self)
        encode_into = _ENCODER.encode_into
        out = bytearray()
        for row in rows:
            message["record"] = row
            encode_into(message, out, -1)
            out += b"\n"
            if len(out) >= _WRITE_BYTES:
                _write_stdout(out)
                out.clear()
        if out:
            _write_stdout(out)
        sdk.mark_unflushed(self)

    @cached_property
    def _rows_pass_unchanged(self) -> bool:
        """No stream map (alias, filter, transform) and no deselected property."""
        return sdk.rows_pass_unchanged(self)

    def write_schema(self) -> None:
        sdk.write_schema(self)

    def write_state_now(self, checkpoints: t.Mapping[KinesisStream, Checkpoint]) -> None:
        """A STATE message with these checkpoints (every stream's) in the tap's state."""
        sdk.write_state(self, checkpoints)


class AgentEventsStream(KinesisStream):
    name = "agent_events"
    primary_keys = ("event_id",)
    schema = AGENT_EVENT_SCHEMA
    config_stream_name_key = "stream_name"
    config_stream_arn_key = "stream_arn"


class ContactRecordsStream(KinesisStream):
    name = "contact_records"
    primary_keys = ("contact_id",)
    schema = CONTACT_RECORD_SCHEMA
    config_stream_name_key = "contact_records_stream_name"
    config_stream_arn_key = "contact_records_stream_arn"
