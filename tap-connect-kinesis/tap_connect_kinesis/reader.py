"""The poll loop: one loop reads every assigned shard of every configured Kinesis stream.

Each cycle (one `collection_interval_seconds`):
  1. find new shards now and then (and at once when a shard closes), start those whose
     parents have been read to their end;
  2. read each open cursor: GetRecords until the shard is at its tip, the batch is full, or
     the shard's call budget (5 calls/s) says wait; decode rows, dead-letter bad records;
  3. hand the cycle's rows to the caller (who writes a BATCH message, then STATE); the
     positions it hands over are those of the last record in the rows;
  4. sleep what is left of the interval, unless a shard still has more to read.

Positions: each source's Checkpoint (checkpoint.py), the only thing that moves them: per
shard the last sequence number processed (a decimal string, compared as an integer), resumed
AFTER_SEQUENCE_NUMBER; `finished` once a closed shard is read to its end (trusted only while
the stream lists the shard as closed); and the stream's identity (StreamARN,
StreamCreationTimestamp): positions of a stream that was deleted and created again under the
same name are discarded, with a warning.
A record that is not an agent event, or that a target could not load, goes to the dead
letters with its position and the reason; the position moves past it.
Errors: an expired iterator is replaced AFTER_SEQUENCE_NUMBER the last record; throughput
and throttling errors back the shard off (exponential, jittered) while other shards go on.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from wfm_aws import explain_client_error
from wfm_aws.errors import is_access_denied

from .checkpoint import Checkpoint, Identity
from .deadletter import DeadLetters
from .events import MAX_YEAR, MIN_YEAR, NotAnEvent, iso_utc
from .shards import Shard, ShardLister, assigned, ready, stream_ref, worker_of

log = logging.getLogger("tap_connect_kinesis.reader")

MIN_CALL_SPACING_S = 0.2  # Kinesis allows 5 GetRecords calls per second per shard
GET_RECORDS_LIMIT = 10_000  # what Kinesis allows per GetRecords call, and the default
MAX_BATCH_ROWS = 10_000  # rows per batch at most, by default (the setting max_batch_rows)
RETRYABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "LimitExceededException",
    "KMSThrottlingException", "InternalFailure", "InternalFailureException", "ServiceUnavailable",
    "ServiceUnavailableException", "InternalServerError", "RequestTimeout",
})
ITERATOR_CODES = frozenset({"ExpiredIteratorException"})
# An answer whose body has no AWS error code (a load balancer's or proxy's HTML page) carries
# only its HTTP status: these are transient, as in botocore's standard retry mode
# (botocore/retries/standard.py, TransientRetryableChecker._TRANSIENT_STATUS_CODES), which the
# GetRecords client leaves to this loop.
TRANSIENT_STATUS_CODES = frozenset({500, 502, 503, 504})


@dataclass
class ReaderSettings:
    interval_s: float = 5.0
    start_position: str = "TRIM_HORIZON"
    start_timestamp: datetime | None = None
    stop_when_caught_up: bool = False
    max_run_seconds: float | None = None
    worker_index: int = 0
    worker_count: int = 1
    include_heartbeats: bool = True
    max_batch_rows: int = MAX_BATCH_ROWS
    max_batch_bytes: int = 24 * 2**20  # record data held for one batch at most (memory bound)
    get_records_limit: int = GET_RECORDS_LIMIT
    # Record data one GetRecords answer should hold, about (memory bound): each shard's Limit
    # follows its records' size. 4 MiB at 5 calls/s is 10× Kinesis's 2 MB/s read limit per
    # shard, so no throughput is lost; a 10,000-record answer of 5.7 kB events was 76 MB of
    # base64 JSON held at once, twice while it was read.
    max_answer_bytes: int = 4 * 2**20
    discovery_interval_s: float = 60.0
    lag_log_interval_s: float = 60.0
    retention_warn_fraction: float = 0.8
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    foreign_parent_grace_s: float | None = None  # default: 3 intervals


@dataclass
class Source:
    """One Kinesis stream read into one Singer stream."""

    singer_stream: str
    stream_name: str | None
    stream_arn: str | None
    # (data, shard id, sequence number, arrival, collected at, notes) → a row, or NotAnEvent;
    # a column it leaves null is described in notes
    decode: Callable[[bytes, str, str, str | None, str | None, list[str]], Any]
    checkpoint: Checkpoint  # the positions and the stream's identity: the reader moves them
    is_heartbeat: Callable[[Any], bool] | None = None

    @property
    def positions(self) -> dict[str, dict[str, Any]]:
        """shard id → {"sequence_number", "finished"}: a copy, as the state would hold it."""
        return self.checkpoint.bookmark()["shards"]


@dataclass
class Cursor:
    source: Source
    shard: Shard
    iterator: str | None = None
    next_call_at: float = 0.0
    failures: int = 0
    millis_behind: int | None = None
    at_tip: bool = False
    limit: int | None = None  # GetRecords Limit from the size of its records (max_answer_bytes)

    @property
    def last_sequence_number(self) -> str | None:
        return self.source.checkpoint.sequence_number(self.shard.shard_id)

    @property
    def finished(self) -> bool:
        return self.source.checkpoint.is_finished(self.shard.shard_id)


@dataclass
class Cycle:
    """What one poll cycle read: rows per Singer stream, and whether positions moved."""

    rows: dict[str, list[Any]] = field(default_factory=dict)
    moved: bool = False
    records: int = 0
    bytes: int = 0
    dead_letters: int = 0


@dataclass
class Stats:
    records: int = 0
    rows: int = 0
    heartbeats_skipped: int = 0
    dead_letters: int = 0
    fields_nulled: int = 0  # optional columns left null: their value could not be loaded
    get_records_calls: int = 0
    throttled: int = 0
    server_errors: int = 0  # HTTP 5xx answers without an AWS error code, backed off
    expired_iterators: int = 0
    cycles: int = 0


class Reader:
    def __init__(self, client: Any, sources: list[Source], settings: ReaderSettings,
                 dead_letters: DeadLetters, stop: threading.Event | None = None,
                 clock: Callable[[], float] = time.monotonic, seed: int | None = None,
                 read_client: Any = None) -> None:
        self._client = client
        self._read_client = read_client or client  # GetRecords: retries are the loop's own
        self._sources = sources
        self.settings = settings
        self._dead_letters = dead_letters
        self.stop = stop or threading.Event()
        self._clock = clock
        self._random = random.Random(seed)
        self._listers = {id(s): ShardLister(client, s.stream_name, s.stream_arn) for s in sources}
        self._cursors: dict[tuple[int, str], Cursor] = {}
        self._shards: dict[int, dict[str, Shard]] = {}
        self._closed_seen: dict[tuple[int, str], float] = {}
        self._retention_ms: dict[int, int] = {}
        self._next_discovery = 0.0
        self._next_lag_log = 0.0
        self._notes: list[str] = []
        self._identity_changed = False
        self._rotation = 0
        self.stats = Stats()
        self.finished_reason: str | None = None

    # -- the loop -------------------------------------------------------------------------
    def cycles(self) -> Iterator[Cycle]:
        """Yields one Cycle per poll interval (its rows may be empty: see `moved`)."""
        s = self.settings
        started = self._clock()
        deadline = started + s.max_run_seconds if s.max_run_seconds else None
        for source in self._sources:
            summary = self._summary(source)
            self._retention_ms[id(source)] = int(summary.get("RetentionPeriodHours") or 24) * 3_600_000
            self._check_identity(source, summary)
        while True:
            cycle_start = self._clock()
            self.stats.cycles += 1
            cycle = Cycle(moved=self._identity_changed)  # the corrected state goes out at once
            self._identity_changed = False
            if cycle_start >= self._next_discovery:
                cycle.moved |= self._discover()
            more = self._read_all(cycle, cycle_start + s.interval_s)
            yield cycle
            now = self._clock()
            if now >= self._next_lag_log:
                self._log_lag()
                self._next_lag_log = now + s.lag_log_interval_s
            if self.stop.is_set():
                self.finished_reason = "stop requested"
                return
            if deadline is not None and now >= deadline:
                self.finished_reason = f"max_run_seconds ({s.max_run_seconds:g} s) reached"
                return
            if s.stop_when_caught_up and not more and self._caught_up():
                # Look once more for shards (children of shards just finished) before ending.
                if not self._discover() and self._caught_up():
                    self.finished_reason = "caught up"
                    return
                continue
            if more:
                continue
            wake = min([cycle_start + s.interval_s]
                       + [c.next_call_at for c in self._cursors.values() if c.failures])
            wait = wake - self._clock()
            if deadline is not None:
                wait = min(wait, deadline - self._clock())
            if wait > 0:
                self.stop.wait(wait)

    # -- discovery ------------------------------------------------------------------------
    def _discover(self) -> bool:
        """List shards; open cursors for ready ones. True if positions changed."""
        s = self.settings
        self._next_discovery = self._clock() + s.discovery_interval_s
        moved = False
        for source in self._sources:
            try:
                listed = self._lister(source).list()
            except (ClientError, BotoCoreError) as error:
                if id(source) not in self._shards or is_access_denied(error) or isinstance(
                        error, PermissionError):
                    raise
                log.warning("Listing the shards of %s failed (%s); trying again later",
                            source.singer_stream, error)
                continue
            by_id = {shard.shard_id: shard for shard in listed}
            self._shards[id(source)] = by_id
            now = self._clock()
            for shard in listed:
                if shard.closed:
                    self._closed_seen.setdefault((id(source), shard.shard_id), now)
            checkpoint = source.checkpoint
            # Forget positions of shards gone from the stream (expired past retention).
            for shard_id in [k for k in checkpoint if k not in by_id]:
                log.info("Shard %s of %s is gone from the stream; dropping its position",
                         shard_id, source.singer_stream)
                checkpoint.drop(shard_id)
                self._cursors.pop((id(source), shard_id), None)
                moved = True
            finished = set()
            for shard_id in checkpoint:
                if not checkpoint.is_finished(shard_id):
                    continue
                if by_id[shard_id].closed:
                    finished.add(shard_id)
                    continue
                # Only a closed shard can have been read to its end (a state edited by hand,
                # or of another stream): skipping an open one would lose all it receives.
                last = checkpoint.sequence_number(shard_id)
                log.warning("The state says shard %s of %s was read to its end, but the stream lists it as "
                            "open: reading it %s", shard_id, source.singer_stream,
                            f"after sequence number {last}" if last else "from its start position")
                checkpoint.reopen(shard_id)
                moved = True
            mine = assigned(listed, s.worker_index, s.worker_count)
            ids = {shard.shard_id for shard in mine}
            for key in [k for k in self._cursors if k[0] == id(source) and k[1] not in ids]:
                # Its lineage root left the stream and the shard now hashes to another worker,
                # which reads it from its start (a child shard): drop it here.
                log.info("Shard %s now belongs to another worker", key[1])
                del self._cursors[key]
            for shard in mine:
                key = (id(source), shard.shard_id)
                if key in self._cursors:
                    self._cursors[key].shard = shard  # it may have closed since
                    continue
                if shard.shard_id in finished:
                    continue
                if not self._parents_done(source, shard, by_id, finished):
                    continue
                self._cursors[key] = Cursor(source, shard)
                last = checkpoint.sequence_number(shard.shard_id)
                if checkpoint.start(shard.shard_id):  # the state lists every shard being read
                    moved = True
                log.info("Reading shard %s of %s %s", shard.shard_id, source.singer_stream,
                         f"after sequence number {last}" if last else
                         "from its start" if shard.parents else f"from {s.start_position}")
        return moved

    def _parents_done(self, source: Source, shard: Shard, by_id: dict[str, Shard],
                      finished: set[str]) -> bool:
        if ready(shard, by_id, finished):
            return True
        s = self.settings
        grace = s.foreign_parent_grace_s if s.foreign_parent_grace_s is not None else 3 * s.interval_s
        for parent in shard.parents:
            if parent not in by_id or parent in finished:
                continue
            if worker_of(parent, by_id, s.worker_count) == s.worker_index:
                return False  # ours: wait until we have read it to its end
            # Another worker reads it: once closed, give that worker time to finish it.
            seen = self._closed_seen.get((id(source), parent))
            if seen is None or self._clock() - seen < grace:
                return False
        return True

    def _lister(self, source: Source) -> ShardLister:
        return self._listers[id(source)]

    # -- reading --------------------------------------------------------------------------
    def _read_all(self, cycle: Cycle, cycle_end: float) -> bool:
        """Read the cursors in passes, one call per shard per pass, until every shard is at
        its tip or a limit (rows, bytes, the interval) is hit. Each cycle starts one shard
        further on, so a shard far behind cannot keep the others waiting. True if some shard
        has more to read now."""
        items = list(self._cursors.items())
        if not items:
            return False
        start = self._rotation % len(items)
        self._rotation += 1
        pending = items[start:] + items[:start]
        more = False
        while pending:
            again = []
            for key, cursor in pending:
                if self.stop.is_set():
                    return more
                wait = cursor.next_call_at - self._clock()
                if wait > 0:
                    if cursor.failures:  # backing off: the loop wakes up for it later
                        continue
                    self.stop.wait(wait)
                got_more = self._read_once(cursor, cycle)
                if cursor.finished:
                    del self._cursors[key]
                    cycle.moved = True
                    self._next_discovery = 0.0  # its children may start now
                    more = True
                    continue
                if got_more:
                    again.append((key, cursor))
                if (sum(len(r) for r in cycle.rows.values()) >= self.settings.max_batch_rows
                        or cycle.bytes >= self.settings.max_batch_bytes
                        or self._clock() >= cycle_end):
                    return True  # emit what we have; the next cycle goes on at once
            pending = again
        return more

    def _read_once(self, cursor: Cursor, cycle: Cycle) -> bool:
        """One GetRecords call. True when the shard has more records waiting right now."""
        try:
            if cursor.iterator is None:
                cursor.iterator = self._new_iterator(cursor)
            cursor.next_call_at = self._clock() + MIN_CALL_SPACING_S
            self.stats.get_records_calls += 1
            answer = self._read_client.get_records(ShardIterator=cursor.iterator, Limit=self._limit(cursor))
        except ClientError as error:
            return self._on_error(cursor, error)
        except BotoCoreError as error:  # connection trouble: back off like a throttle
            log.warning("GetRecords on shard %s failed: %s; backing off", cursor.shard.shard_id, error)
            self._back_off(cursor)
            return False
        cursor.failures = 0
        records = answer.get("Records", [])
        cursor.millis_behind = answer.get("MillisBehindLatest")
        if records:
            size = sum(len(record["Data"]) for record in records) / len(records)
            cursor.limit = max(1, int(self.settings.max_answer_bytes / max(size, 1.0)))
        self._take(cursor, records, cycle)
        next_iterator = answer.get("NextShardIterator")
        cursor.iterator = next_iterator
        if answer.get("ChildShards"):
            self._next_discovery = 0.0
        if next_iterator is None or (not records and self._read_to_end(cursor)):
            cursor.source.checkpoint.finish(cursor.shard.shard_id)
            log.info("Shard %s of %s read to its end (closed by resharding)",
                     cursor.shard.shard_id, cursor.source.singer_stream)
            return False
        cursor.at_tip = not records or cursor.millis_behind == 0
        if not records and not cursor.shard.closed:
            # An open shard answering nothing may still hold records further on (empty
            # stretches), unless it says it is at the tip.
            return bool(cursor.millis_behind)
        return bool(records) and bool(cursor.millis_behind)

    def _limit(self, cursor: Cursor) -> int:
        """GetRecords Limit: the configured one, lower when the shard's records are large
        (the first call of a cursor asks for at most 1,000, its records' size unknown)."""
        configured = self.settings.get_records_limit
        return min(configured, cursor.limit if cursor.limit is not None else 1_000)

    @staticmethod
    def _read_to_end(cursor: Cursor) -> bool:
        """A closed shard whose last record we have (Kinesis itself says so with a null
        NextShardIterator; servers that never do, like moto, are judged by the numbers)."""
        shard = cursor.shard
        if not shard.closed or cursor.millis_behind:
            return False
        ending = int(shard.ending_sequence_number)
        last = cursor.last_sequence_number
        if last is not None and int(last) >= ending:
            return True
        return ending <= int(shard.starting_sequence_number or 0)  # a closed shard left empty

    def _take(self, cursor: Cursor, records: list[dict[str, Any]], cycle: Cycle) -> None:
        if not records:
            return
        source = cursor.source
        decode = source.decode
        shard_id = cursor.shard.shard_id
        last = cursor.last_sequence_number
        # Records at or below the position were read before (a replaced iterator): never
        # emitted twice. Sequence numbers grow within a shard, so once one is past the
        # position every later one is too.
        last_int = int(last) if last else -1
        skipping = True
        rows = cycle.rows.setdefault(source.singer_stream, [])
        append = rows.append
        skip_heartbeats = not self.settings.include_heartbeats and source.is_heartbeat is not None
        # When the tap read these records: one wall-clock time per GetRecords answer. Unlike
        # ApproximateArrivalTimestamp it grows with loading (a backlog read hours late gets
        # the time it was read), so the warehouse can pick up new rows incrementally.
        collected = iso_utc(datetime.now(UTC))
        notes = self._notes
        taken = size = emitted = 0
        for record in records:
            sequence = record["SequenceNumber"]
            if skipping:
                if int(sequence) <= last_int:
                    continue
                skipping = False
            arrived = record.get("ApproximateArrivalTimestamp")
            arrival = iso_utc(arrived) if arrived is not None and MIN_YEAR < arrived.year < MAX_YEAR else None
            data = record["Data"]
            taken += 1
            size += len(data)
            try:
                row = decode(data, shard_id, sequence, arrival, collected, notes)
            except NotAnEvent as error:
                self._dead_letter(source, shard_id, record, arrival, collected, str(error), cycle)
            except Exception as error:  # a decoding bug must not stop the collector either
                log.exception("Decoding the record at sequence number %s of shard %s failed", sequence, shard_id)
                self._dead_letter(source, shard_id, record, arrival, collected,
                                  f"the tap could not decode it: {type(error).__name__}: {error}", cycle)
            else:
                if notes:
                    self._note(source, shard_id, sequence, notes)
                if skip_heartbeats and source.is_heartbeat(row):
                    self.stats.heartbeats_skipped += 1
                else:
                    append(row)
                    emitted += 1
            last = sequence
        cycle.records += taken
        cycle.bytes += size
        self.stats.rows += emitted
        self.stats.records += len(records)
        if last is not None:
            source.checkpoint.advance(shard_id, last)
        cycle.moved = True

    def _dead_letter(self, source: Source, shard_id: str, record: dict[str, Any], arrival: str | None,
                     collected: str, reason: str, cycle: Cycle) -> None:
        self._notes.clear()
        self._dead_letters.add(stream=source.stream_name or source.stream_arn or "", shard_id=shard_id,
                               sequence_number=record["SequenceNumber"], partition_key=record.get("PartitionKey"),
                               arrival=arrival, collected=collected, reason=reason, data=record["Data"])
        cycle.dead_letters += 1
        self.stats.dead_letters += 1

    def _note(self, source: Source, shard_id: str, sequence: str, notes: list[str]) -> None:
        """Columns the decoder left null: said, with the record's position (nothing in silence)."""
        for note in notes:
            self.stats.fields_nulled += 1
            log.warning("Stream %s shard %s sequence %s: %s", source.stream_name or source.stream_arn,
                        shard_id, sequence, note)
        notes.clear()

    def _new_iterator(self, cursor: Cursor) -> str:
        s = self.settings
        kwargs: dict[str, Any] = {**stream_ref(cursor.source.stream_name, cursor.source.stream_arn),
                                  "ShardId": cursor.shard.shard_id}
        last = cursor.last_sequence_number
        if last:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=last)
        elif cursor.shard.parents:
            # A child of a shard we read: from its very start, or events between are lost.
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        elif s.start_position == "AT_TIMESTAMP":
            kwargs.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=s.start_timestamp)
        else:
            kwargs["ShardIteratorType"] = s.start_position
        return self._client.get_shard_iterator(**kwargs)["ShardIterator"]

    def _on_error(self, cursor: Cursor, error: ClientError) -> bool:
        code = error.response.get("Error", {}).get("Code", "")
        shard_id = cursor.shard.shard_id
        if code in ITERATOR_CODES:
            self.stats.expired_iterators += 1
            log.info("Shard iterator of %s expired; resuming after sequence number %s",
                     shard_id, cursor.last_sequence_number)
            cursor.iterator = None
            return True
        if code in RETRYABLE_CODES:
            self.stats.throttled += 1
            delay = self._back_off(cursor)
            log.warning("%s on shard %s; backing off %.1f s", code, shard_id, delay)
            return False
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status in TRANSIENT_STATUS_CODES:
            self.stats.server_errors += 1
            delay = self._back_off(cursor)
            log.warning("HTTP %s from GetRecords on shard %s; backing off %.1f s", status, shard_id, delay)
            return False
        if code == "ResourceNotFoundException" and cursor.shard.closed:
            cursor.source.checkpoint.finish(shard_id)  # expired past retention
            return False
        if is_access_denied(error):
            raise explain_client_error(error, "kinesis") from error
        raise error

    def _back_off(self, cursor: Cursor) -> float:
        s = self.settings
        cursor.failures += 1
        ceiling = min(s.backoff_max_s, s.backoff_base_s * 2 ** (cursor.failures - 1))
        delay = self._random.uniform(ceiling / 2, ceiling)
        cursor.next_call_at = self._clock() + max(delay, MIN_CALL_SPACING_S)
        return delay

    # -- ending and reporting ---------------------------------------------------------------
    def _caught_up(self) -> bool:
        return all(c.at_tip for c in self._cursors.values())

    def _summary(self, source: Source) -> dict[str, Any]:
        """DescribeStreamSummary (DescribeStream, the spec's policy, where it is denied):
        retention, StreamARN, StreamCreationTimestamp. {} when neither answers."""
        ref = stream_ref(source.stream_name, source.stream_arn)
        try:
            return self._client.describe_stream_summary(**ref)["StreamDescriptionSummary"]
        except (ClientError, BotoCoreError, KeyError):
            try:
                return self._client.describe_stream(Limit=1, **ref)["StreamDescription"]
            except ClientError as error:
                if is_access_denied(error):
                    raise explain_client_error(error, "kinesis") from error
                log.warning("Describing Kinesis stream %s failed: %s", source.stream_name or source.stream_arn, error)
            except (BotoCoreError, KeyError) as error:
                log.warning("Describing Kinesis stream %s failed: %s", source.stream_name or source.stream_arn, error)
        return {}

    def _check_identity(self, source: Source, summary: dict[str, Any]) -> None:
        """Positions belong to one stream: the one with this ARN and creation time (the
        checkpoint decides, see Checkpoint.check_identity); said here, and the corrected
        state goes out with the first cycle."""
        checkpoint = source.checkpoint
        name = source.stream_name or source.stream_arn
        arn, created = summary.get("StreamARN"), summary.get("StreamCreationTimestamp")
        if not arn or not isinstance(created, datetime):
            if checkpoint.stream_created_at:
                log.warning("Could not check that Kinesis stream %s is the one the state is of (created %s): "
                            "resuming from its positions", name, checkpoint.stream_created_at)
            return
        known_created = checkpoint.stream_created_at
        created_at = iso_utc(created)
        outcome = checkpoint.check_identity(arn, created_at)
        if outcome is Identity.RECREATED:
            log.warning("Kinesis stream %s was deleted and created again: it was created %s, the saved "
                        "positions are of the stream created %s. Discarding them: reading every shard from "
                        "%s", source.stream_name or arn, created_at, known_created, self.settings.start_position)
            self._identity_changed = True
        elif outcome is Identity.ADOPTED:
            log.info("Kinesis stream %s: recording its identity (created %s) in the state",
                     source.stream_name or arn, created_at)
            self._identity_changed = True

    def _log_lag(self) -> None:
        s = self.settings
        for cursor in self._cursors.values():
            lag = cursor.millis_behind
            if lag is None:
                continue
            retention = self._retention_ms.get(id(cursor.source), 24 * 3_600_000)
            if lag >= s.retention_warn_fraction * retention:
                log.warning("Shard %s of %s is %.1f h behind, near the stream's retention of %.0f h: "
                            "records older than that are lost", cursor.shard.shard_id,
                            cursor.source.singer_stream, lag / 3_600_000, retention / 3_600_000)
            else:
                log.info("MillisBehindLatest shard=%s stream=%s millis=%d", cursor.shard.shard_id,
                         cursor.source.singer_stream, lag)
