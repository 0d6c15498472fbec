"""The Singer streams: `agent_events` (key event_id) and, optionally, `contact_records`.

Both are fed by one poll loop (reader.Reader), run from the first selected stream's sync:
`Tap.sync_all` syncs streams one after another, so a never-ending stream would starve the
other. Each poll cycle that read something writes one batch file per stream, a BATCH message
for it, then one STATE message holding every shard's position.
"""

from __future__ import annotations

import typing as t

import msgspec
from singer_sdk import Stream

from .events import AGENT_EVENT_SCHEMA, CONTACT_RECORD_SCHEMA

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchConfig


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
        from singer_sdk.helpers._batch import BatchConfig

        return BatchConfig(encoding={"format": "jsonl"}, storage={"root": "file:///tmp"})

    def get_batches(self, batch_config: BatchConfig, context: t.Any = None,
                    ) -> t.Iterable[tuple[BaseBatchFileEncoding, list[str]]]:
        yield from self._tap.run_loop(self)  # type: ignore[attr-defined]

    def get_records(self, context: t.Any) -> t.Iterable[dict]:  # pragma: no cover - batches only
        return iter(())

    def write_batch(self, encoding: BaseBatchFileEncoding, manifest: list[str]) -> None:
        self._write_batch_message(encoding=encoding, manifest=manifest)

    def write_rows(self, rows: t.Iterable[t.Any]) -> None:
        """RECORD messages, for targets that cannot read BATCH (message_format: record)."""
        for row in rows:  # through JSON: rows hold raw JSON (msgspec.Raw) for the snapshots
            self._write_record_message(msgspec.json.decode(msgspec.json.encode(row)))

    def write_schema(self) -> None:
        self._write_schema_message()

    def write_state_now(self) -> None:
        self.state_manager.is_flushed = False
        self._write_state_message()


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
