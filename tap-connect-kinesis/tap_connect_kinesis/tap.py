"""tap-connect-kinesis: Amazon Connect agent events from a Kinesis data stream, as Singer.

Config schema and stream list here; the poll loop is reader.py, shards are shards.py.
"""

from __future__ import annotations

import functools
import gc
import logging
import signal
import threading
import typing as t
from datetime import datetime
from functools import cached_property

from botocore.exceptions import BotoCoreError, ClientError
from singer_sdk import typing as th

from wfm_aws import AwsSession, AwsSettings, ConfigError
from wfm_aws.errors import is_access_denied
from wfm_aws.files import check_writable_directory, check_writable_file
from wfm_aws.singer_config import aws_properties
from wfm_aws.tap_cli import WfmTap

from . import __version__, sdk_internals
from .batchfiles import BatchFiles
from .checkpoint import Checkpoint
from .deadletter import DeadLetters
from .events import SNAPSHOT_CHOICES, decode_agent_event, decode_contact_record
from .health import HealthFile
from .kinesis_client import install_fast_get_records
from .output import Output
from .reader import GET_RECORDS_LIMIT, MAX_BATCH_ROWS, Reader, ReaderSettings, Source
from .streams import AgentEventsStream, ContactRecordsStream, KinesisStream

log = logging.getLogger("tap_connect_kinesis")
START_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")


AWS_PROPERTIES = aws_properties("Kinesis")

KINESIS_PROPERTIES = [
    th.Property("stream_name", th.StringType, description="The agent event Kinesis stream (or stream_arn)"),
    th.Property("stream_arn", th.StringType, description="The agent event stream's ARN (instead of stream_name)"),
    th.Property("collection_interval_seconds", th.NumberType, default=5,
                description="Transaction Collection Interval: every shard is polled this often (1-60)"),
    th.Property("start_position", th.StringType, default="TRIM_HORIZON", allowed_values=list(START_POSITIONS),
                description="Where shards without state start"),
    th.Property("start_timestamp", th.DateTimeType, description="For start_position AT_TIMESTAMP"),
    th.Property("stop_when_caught_up", th.BooleanType, default=False,
                description="Bounded run: end when every shard is read to its tip or end"),
    th.Property("max_run_seconds", th.NumberType, description="Bounded run: end by itself after this long"),
    th.Property("contact_records_stream_name", th.StringType,
                description="Optional Kinesis stream of contact trace records"),
    th.Property("contact_records_stream_arn", th.StringType,
                description="The contact trace record stream by ARN (another account's, or instead of its name)"),
    th.Property("worker_index", th.IntegerType, default=0, description="This process's worker number, from 0"),
    th.Property("worker_count", th.IntegerType, default=1, description="Processes sharing the stream's shards"),
    th.Property("include_heartbeats", th.BooleanType, default=True, description="Emit HEART_BEAT events"),
    th.Property("agent_snapshots", th.StringType(allowed_values=list(SNAPSHOT_CHOICES)), default="both",
                description="Which snapshots agent_events rows keep whole as JSON: both, current (not "
                            "PreviousAgentSnapshot) or none; a snapshot left out is {} (null when the event "
                            "had none). Their fields with columns of their own are filled either way"),
    th.Property("message_format", th.StringType(allowed_values=["batch", "record"]), default="batch",
                description="batch: a BATCH message per poll, loaded at once by Singer SDK targets; record: "
                            "RECORD messages, for targets that cannot read BATCH (target-duckdb, old SDK "
                            "targets), which then load on their own schedule"),
    th.Property("health_file", th.StringType,
                description="A file touched after every poll cycle, for a liveness probe (mtime = alive)"),
    th.Property("dead_letter_path", th.StringType, default="kinesis-dead-letters.jsonl",
                description="JSON-lines file for records that are not agent events"),
    th.Property("batch_directory", th.StringType,
                description="Where batch files go (default: a directory in the system temp dir)"),
    th.Property("batch_file_retention_seconds", th.NumberType, default=3600,
                description="The tap removes its batch files this long after writing them"),
    th.Property("max_batch_rows", th.IntegerType, default=MAX_BATCH_ROWS, description="Rows per batch file at most"),
    th.Property("get_records_limit", th.IntegerType, default=GET_RECORDS_LIMIT,
                description=f"Records per GetRecords call at most (1-{GET_RECORDS_LIMIT})"),
    th.Property("shard_discovery_interval_seconds", th.NumberType, default=60,
                description="How often to look for new shards (also at once when a shard closes)"),
]


SETTINGS_SCHEMA = th.PropertiesList(*AWS_PROPERTIES, *KINESIS_PROPERTIES).to_dict()
DEFAULTS = {name: spec["default"] for name, spec in SETTINGS_SCHEMA["properties"].items() if "default" in spec}


def with_defaults(config: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The config with every unset (or null) setting at its schema default: the defaults are
    declared once, in KINESIS_PROPERTIES, and read from there."""
    return {**DEFAULTS, **{name: value for name, value in config.items() if value is not None}}


class TapConnectKinesis(WfmTap):
    """Amazon Connect agent events from a Kinesis data stream: continuous or bounded, resharding-safe."""

    name = "tap-connect-kinesis"
    plugin_version = __version__
    config_jsonschema = SETTINGS_SCHEMA

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._stop = threading.Event()
        self._loop_started = False
        self.reader: Reader | None = None
        self._dead_letters: DeadLetters | None = None
        super().__init__(*args, **kwargs)  # WfmTap: the schema, then check_settings

    # -- config (wfm_aws.tap_cli.WfmTap: a problem is one line, exit 2) ----------------------------
    @classmethod
    def check_settings(cls, config: t.Mapping[str, t.Any]) -> None:
        c = with_defaults(config)
        if not (c.get("stream_name") or c.get("stream_arn")):
            raise ConfigError("set stream_name (or stream_arn): the Kinesis stream of agent events")
        interval = float(c["collection_interval_seconds"])
        if not 1 <= interval <= 60:
            raise ConfigError(f"collection_interval_seconds must be between 1 and 60 (got {interval:g})")
        position = c["start_position"]
        if position not in START_POSITIONS:
            raise ConfigError(f"start_position must be one of {', '.join(START_POSITIONS)}")
        if position == "AT_TIMESTAMP" and not c.get("start_timestamp"):
            raise ConfigError("start_position AT_TIMESTAMP needs start_timestamp")
        if c.get("start_timestamp"):
            try:
                datetime.fromisoformat(str(c["start_timestamp"]).replace("Z", "+00:00"))
            except ValueError:
                raise ConfigError(f"start_timestamp must be an ISO 8601 date-time like 2026-01-31T00:00:00Z, "
                                  f"not {c['start_timestamp']!r}") from None
        count, index = int(c["worker_count"]), int(c["worker_index"])
        if count < 1 or not 0 <= index < count:
            raise ConfigError(f"worker_index must be in 0..worker_count-1 (got {index} of {count})")
        if c.get("max_run_seconds") is not None and float(c["max_run_seconds"]) <= 0:
            raise ConfigError("max_run_seconds must be positive")
        if int(c["max_batch_rows"]) < 1:
            raise ConfigError(f"max_batch_rows must be at least 1 (got {c['max_batch_rows']})")
        AwsSettings.from_config(c)

    def check_before_sync(self) -> None:
        """The files the tap will write can be written, and the Kinesis streams exist, now
        rather than when the first bad record (or the first poll) needs them."""
        check_writable_file("dead_letter_path", self.settings["dead_letter_path"])
        if self.config.get("health_file"):
            check_writable_file("health_file", self.config["health_file"])
        if self.config.get("batch_directory"):
            check_writable_directory("batch_directory", self.config["batch_directory"])
        streams = [s for s in self.streams.values() if isinstance(s, KinesisStream) and s.selected]
        if not streams:
            return
        client = self.aws_session.client("kinesis")
        for stream in streams:
            name, arn = stream.kinesis_stream
            setting = stream.config_stream_arn_key if arn else stream.config_stream_name_key
            ref = {"StreamARN": arn} if arn else {"StreamName": name}
            try:
                client.describe_stream_summary(**ref)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code == "ResourceNotFoundException":
                    raise ConfigError(
                        f"{setting}: Kinesis stream {arn or name} does not exist in region "
                        f"{self.aws_session.settings.region} (ResourceNotFoundException): check {setting} "
                        "and aws_region") from None
                if not is_access_denied(error):  # DescribeStreamSummary is optional: the loop copes
                    self.logger.debug("DescribeStreamSummary of %s: %s", arn or name, error)
            except BotoCoreError as error:  # the network: the poll loop retries and says so
                self.logger.debug("DescribeStreamSummary of %s: %s", arn or name, error)

    @cached_property
    def aws_session(self) -> AwsSession:
        """The run's AWS session (credentials checked, the role assumed), made once."""
        return AwsSession(AwsSettings.from_config(self.config), user_agent=f"tap-connect-kinesis/{__version__}")

    def discover_streams(self) -> list[KinesisStream]:
        streams: list[KinesisStream] = [AgentEventsStream(self)]
        if self.config.get("contact_records_stream_name") or self.config.get("contact_records_stream_arn"):
            streams.append(ContactRecordsStream(self))
        return streams

    @cached_property
    def settings(self) -> dict[str, t.Any]:
        """This run's settings, every default filled in (with_defaults)."""
        return with_defaults(self.config)

    def reader_settings(self) -> ReaderSettings:
        c = self.settings
        start = c.get("start_timestamp")
        max_run = c.get("max_run_seconds")
        return ReaderSettings(
            interval_s=float(c["collection_interval_seconds"]),
            start_position=c["start_position"],
            start_timestamp=datetime.fromisoformat(str(start).replace("Z", "+00:00")) if start else None,
            stop_when_caught_up=bool(c["stop_when_caught_up"]),
            max_run_seconds=float(max_run) if max_run is not None else None,
            worker_index=int(c["worker_index"]),
            worker_count=int(c["worker_count"]),
            include_heartbeats=bool(c["include_heartbeats"]),
            max_batch_rows=int(c["max_batch_rows"]),
            get_records_limit=max(1, min(GET_RECORDS_LIMIT, int(c["get_records_limit"]))),
            discovery_interval_s=float(c["shard_discovery_interval_seconds"]),
        )

    # -- the loop ---------------------------------------------------------------------------
    def run_loop(self, caller: KinesisStream) -> t.Iterator[tuple[t.Any, list[str]]]:
        """Run the poll loop once for every selected stream; yields the caller's batches
        (the SDK writes each as a BATCH message, then STATE)."""
        if self._loop_started:
            return
        self._loop_started = True
        output, restore_signals = self._start(caller)
        try:
            for cycle in self.reader.cycles():
                yield from output.emit(cycle)
        finally:
            restore_signals()
            self._end()
        output.final_state()

    def _start(self, caller: KinesisStream) -> tuple[Output, t.Callable[[], None]]:
        """Set up a run: every selected stream's checkpoint (from its saved bookmark), the
        AWS clients, the reader, what writes the output; signals finish the batch in hand.
        Returns the output and what restores the signal handlers."""
        streams = [s for s in self.streams.values() if isinstance(s, KinesisStream) and s.selected]
        checkpoints: dict[KinesisStream, Checkpoint] = {}
        sources = []
        for stream in streams:
            if stream is not caller:
                stream.write_schema()
            name, arn = stream.kinesis_stream
            checkpoint = checkpoints[stream] = Checkpoint.from_bookmark(
                sdk_internals.bookmark_of(stream), arn or name or "", stream.name)
            is_agent = isinstance(stream, AgentEventsStream)
            sources.append(Source(
                singer_stream=stream.name, stream_name=name, stream_arn=arn,
                decode=functools.partial(decode_agent_event, snapshots=self.settings["agent_snapshots"])
                if is_agent else decode_contact_record,
                checkpoint=checkpoint,
                is_heartbeat=(lambda row: row.event_type == "HEART_BEAT") if is_agent else None,
            ))
        session = self.aws_session
        self.logger.info("Reading Kinesis with %s", session.describe_credentials())
        client = session.client("kinesis")
        # GetRecords: no botocore retries (the loop backs off per shard) and a short read
        # timeout, so that a signal is answered within seconds.
        # Its answers are decoded with msgspec (kinesis_client.py), botocore doing the rest.
        read_client = install_fast_get_records(
            session.client("kinesis", retries={"mode": "standard", "max_attempts": 1}, read_timeout=8))
        self._dead_letters = DeadLetters(self.settings["dead_letter_path"])
        files = BatchFiles.from_config(self.settings)
        files.clean_up(force=True)
        settings = self.reader_settings()
        self.reader = Reader(client, sources, settings, self._dead_letters, stop=self._stop,
                             read_client=read_client)
        output = Output(caller, streams, checkpoints, files, self._dead_letters,
                        HealthFile(self.config.get("health_file")),
                        as_records=self.settings["message_format"] == "record")
        previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
        for signum in previous:
            signal.signal(signum, self._on_signal)
        # What start-up made (modules, botocore's service models, the SDK) lives as long as the
        # process: out of the garbage collector's sight, so that its full collections during a
        # long run only look at what the loop makes (the rows are not tracked at all: events.py).
        gc.collect()
        gc.freeze()
        self.logger.info("Polling %s every %g s%s (worker %d of %d)",
                         ", ".join(s.stream_name or s.stream_arn or "" for s in sources), settings.interval_s,
                         ", until caught up" if settings.stop_when_caught_up else "",
                         settings.worker_index + 1, settings.worker_count)

        def restore_signals() -> None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        return output, restore_signals

    def _end(self) -> None:
        """Close the dead letters (durable) and log the run's summary."""
        self._dead_letters.close()
        stats = self.reader.stats
        self.logger.info(
            "Poll loop ended (%s): %d records, %d rows, %d dead letters, %d fields left null, "
            "%d heartbeats skipped, %d GetRecords calls, %d throttled, %d server errors, "
            "%d expired iterators",
            self.reader.finished_reason or "error", stats.records, stats.rows, stats.dead_letters,
            stats.fields_nulled, stats.heartbeats_skipped, stats.get_records_calls, stats.throttled,
            stats.server_errors, stats.expired_iterators)

    def _on_signal(self, signum: int, frame: t.Any) -> None:
        if self._stop.is_set():  # a second signal: give up at once (the last state written is kept)
            sdk_internals.terminate(self, signum, frame)
            return
        self.logger.info("Signal %d: finishing the batch in hand, then the final state", signum)
        self._stop.set()


if __name__ == "__main__":
    TapConnectKinesis.cli()
