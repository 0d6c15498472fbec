"""A recorded Kinesis stream, kept on disk and served over Kinesis' own wire protocol (catchup.py).

    recording = Recording.from_jsonl(events_jsonl, directory, shards=8)   # the simulator's events
    with ReplayServer(recording) as server:                              # a process of its own
        ... TAP_CONNECT_KINESIS_AWS_ENDPOINT_URL=server.endpoint_url ...

Why: on AWS, answering GetRecords is Kinesis' work, on Amazon's machines. moto answers it in
Python, in memory, on the same 2 cores as the tap, the target and PostgreSQL: it cost more per
event than the whole pipeline (about 220 µs/event in the catch-up of 2026-12-04), so the rate the
catch-up measured was moto's, and a day's backlog of 5,000 agents (1.9 million events, 11 GB)
does not fit in its memory. This server answers from files: each record's JSON (its Data
base64-encoded once, when recorded) is written in shard order, so an answer is one read of
consecutive bytes; its CPU is measured and reported beside the pipeline's all the same.

The recording is what Kinesis would hold after the simulator's agents put their events
(`connect-sim generate`'s agent_events.jsonl, the same documents the simulator puts into
Kinesis): each event in the shard whose hash key range holds the MD5 of its partition key, the
agent's ARN (as the simulator's writer puts them; "an MD5 hash function is used to map partition
keys to 128-bit integer values and to map associated data records to shards", PutRecord and
PutRecordsRequestEntry, Kinesis API reference), the hash key space split evenly between the
shards (as moto splits it; AWS does not document the split, and the tap
reads ListShards' ranges, not this rule), sequence numbers increasing in each shard, arrival a
second after the event's EventTimestamp.

It speaks what the tap calls (botocore's Kinesis model, protocol `json` 1.1: the
`X-Amz-Target: Kinesis_20131202.<Operation>` header and a JSON body): DescribeStreamSummary,
DescribeStream, ListShards, GetShardIterator (TRIM_HORIZON, LATEST, AT_/AFTER_SEQUENCE_NUMBER,
AT_TIMESTAMP) and GetRecords, with GetRecords' documented bounds on an answer (botocore's model:
Limit at most 10,000; "The maximum size of data that GetRecords can return is 10 MiB"): at most
`Limit` records and 10 MiB of data; `MillisBehindLatest` 0 at the end of the recording. What it
leaves out (a recording does not change): new records, resharding, expiring iterators, throttling,
and Kinesis' read limit of 2 MiB/s per shard, which on AWS bounds a catch-up first (catchup.py's
docstring: a faster catch-up needs more shards). Signatures are not checked.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import multiprocessing
import os
import re
import signal
from array import array
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pybase64

TARGET_PREFIX = "Kinesis_20131202."
MAX_RECORDS = 10_000  # GetRecords: "The maximum number of records to return … 10,000" (Limit)
MAX_ANSWER_DATA = 10 * 2**20  # GetRecords: "can return up to 10 MiB of data"
HASH_KEYS = 2**128
SEQUENCE_BASE = 49_600_000_000_000_000_000_000_000_000_000_000_000_000_000_000  # Kinesis-like: 56 digits
SHARD_STRIDE = 10**30  # each shard's sequence numbers: SEQUENCE_BASE + shard × SHARD_STRIDE + position
ARRIVAL_DELAY_S = 1.0
_FIELDS = {name: re.compile(rb'"' + name.encode() + rb'":"([^"]*)"')
           for name in ("AgentARN", "EventId", "EventTimestamp")}


@dataclass
class RecordedShard:
    number: int
    path: Path  # each record's GetRecords JSON, followed by a comma, in sequence order
    offsets: array = field(default_factory=lambda: array("q", [0]))  # record i: offsets[i]:offsets[i + 1]
    sizes: array = field(default_factory=lambda: array("l"))  # each record's Data, in bytes
    arrivals: array = field(default_factory=lambda: array("d"))  # epoch seconds, ascending

    @property
    def shard_id(self) -> str:
        return f"shardId-{self.number:012d}"

    def description(self, count: int) -> dict[str, Any]:
        """As ListShards gives it: the shard's even share of the hash key space."""
        low, high = HASH_KEYS * self.number // count, HASH_KEYS * (self.number + 1) // count - 1
        first = SEQUENCE_BASE + self.number * SHARD_STRIDE
        return {"ShardId": self.shard_id, "HashKeyRange": {"StartingHashKey": str(low), "EndingHashKey": str(high)},
                "SequenceNumberRange": {"StartingSequenceNumber": str(first)}}

    def sequence_number(self, position: int) -> int:
        return SEQUENCE_BASE + self.number * SHARD_STRIDE + position

    def __len__(self) -> int:
        return len(self.sizes)


@dataclass
class Recording:
    stream_name: str
    shards: list[RecordedShard]
    created: float
    retention_hours: int = 48
    event_ids: set[str] = field(default_factory=set)  # every distinct EventId in the stream
    records: int = 0  # duplicates (the simulator's re-deliveries) included

    @classmethod
    def from_jsonl(cls, events: Path, directory: Path, shards: int, stream_name: str = "agent-events") -> Recording:
        """The stream after every line of `events` (agent event documents) was put, in order."""
        directory.mkdir(parents=True, exist_ok=True)
        recording = cls(stream_name, [RecordedShard(n, directory / f"shard-{n}.json") for n in range(shards)], 0.0)
        files = [shard.path.open("wb") for shard in recording.shards]
        try:
            with events.open("rb") as lines:
                for line in lines:
                    recording._put(line.rstrip(b"\n"), files)
        finally:
            for file in files:
                file.close()
        recording.created = min((s.arrivals[0] for s in recording.shards if len(s)), default=0.0) - 60
        return recording

    def _put(self, data: bytes, files: list) -> None:
        key, event_id, timestamp = (_FIELDS[name].search(data).group(1).decode()
                                    for name in ("AgentARN", "EventId", "EventTimestamp"))
        number = int.from_bytes(hashlib.md5(key.encode()).digest(), "big") * len(self.shards) // HASH_KEYS
        shard = self.shards[number]
        arrival = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() + ARRIVAL_DELAY_S
        arrival = max(arrival, shard.arrivals[-1]) if len(shard) else arrival
        answer = (b'{"SequenceNumber":"%d","ApproximateArrivalTimestamp":%.3f,"Data":"%s","PartitionKey":"%s"},'
                  % (shard.sequence_number(len(shard)), arrival, pybase64.b64encode(data), key.encode()))
        files[number].write(answer)
        shard.offsets.append(shard.offsets[-1] + len(answer))
        shard.sizes.append(len(data))
        shard.arrivals.append(arrival)
        self.event_ids.add(event_id)
        self.records += 1

    def shard(self, shard_id: str) -> RecordedShard | None:
        return next((s for s in self.shards if s.shard_id == shard_id), None)


class KinesisError(Exception):
    def __init__(self, kind: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.kind, self.status = kind, status


class Answers:
    """The operations: request dict → answer dict (or bytes, for GetRecords)."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self._files = {s.shard_id: os.open(s.path, os.O_RDONLY) for s in recording.shards}

    def _shard(self, shard_id: str) -> RecordedShard:
        shard = self.recording.shard(shard_id)
        if shard is None:
            raise KinesisError("ResourceNotFoundException", f"Shard {shard_id} not found")
        return shard

    def DescribeStreamSummary(self, request: dict[str, Any]) -> dict[str, Any]:
        r = self.recording
        return {"StreamDescriptionSummary": {
            "StreamName": r.stream_name, "StreamARN": f"arn:aws:kinesis:us-west-2:123456789012:stream/{r.stream_name}",
            "StreamStatus": "ACTIVE", "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "RetentionPeriodHours": r.retention_hours, "StreamCreationTimestamp": r.created,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}], "EncryptionType": "NONE",
            "OpenShardCount": len(r.shards), "ConsumerCount": 0}}

    def DescribeStream(self, request: dict[str, Any]) -> dict[str, Any]:
        summary = self.DescribeStreamSummary(request)["StreamDescriptionSummary"]
        return {"StreamDescription": {**summary, **self.ListShards(request), "HasMoreShards": False}}

    def ListShards(self, request: dict[str, Any]) -> dict[str, Any]:
        count = len(self.recording.shards)
        return {"Shards": [shard.description(count) for shard in self.recording.shards]}

    def GetShardIterator(self, request: dict[str, Any]) -> dict[str, Any]:
        shard = self._shard(request.get("ShardId", ""))
        kind = request.get("ShardIteratorType")
        if kind == "TRIM_HORIZON":
            position = 0
        elif kind == "LATEST":
            position = len(shard)
        elif kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            position = int(request["StartingSequenceNumber"]) - shard.sequence_number(0)
            position += 1 if kind == "AFTER_SEQUENCE_NUMBER" else 0
        elif kind == "AT_TIMESTAMP":
            position = bisect.bisect_left(shard.arrivals, float(request["Timestamp"]))
        else:
            raise KinesisError("InvalidArgumentException", f"ShardIteratorType {kind!r} is not supported")
        if not 0 <= position <= len(shard):
            raise KinesisError("InvalidArgumentException", "StartingSequenceNumber is not in the shard")
        return {"ShardIterator": f"{shard.shard_id}/{position}"}

    def GetRecords(self, request: dict[str, Any]) -> bytes:
        try:
            shard_id, position = request["ShardIterator"].rsplit("/", 1)
            start = int(position)
        except (KeyError, ValueError) as error:
            raise KinesisError("InvalidArgumentException", "Invalid ShardIterator") from error
        shard = self._shard(shard_id)
        limit = min(int(request.get("Limit", MAX_RECORDS)), MAX_RECORDS)
        end, data = start, 0
        while end < len(shard) and end - start < limit and data + shard.sizes[end] <= MAX_ANSWER_DATA:
            data += shard.sizes[end]
            end += 1
        records = os.pread(self._files[shard_id], shard.offsets[end] - shard.offsets[start], shard.offsets[start])
        behind = 0 if end >= len(shard) else int(1000 * (shard.arrivals[-1] - shard.arrivals[end])) + 1
        return b'{"Records":[%s],"NextShardIterator":"%s/%d","MillisBehindLatest":%d}' % (
            records[:-1], shard_id.encode(), end, behind)


def _handler(answers: Answers) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: botocore reuses its connections

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            operation = self.headers.get("X-Amz-Target", "").removeprefix(TARGET_PREFIX)
            try:
                method = getattr(answers, operation, None)
                if method is None or not operation[:1].isupper():
                    raise KinesisError("UnknownOperationException", f"{operation} is not recorded")
                answer = method(json.loads(body or b"{}"))
                status = 200
            except KinesisError as error:
                answer, status = {"__type": error.kind, "message": str(error)}, error.status
            payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:  # quiet: one line per request would cost more than the answer
            pass

    return Handler


def _serve(recording: Recording, ports: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Answers(recording)))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    ports.put(server.server_address[1])
    server.serve_forever()


class ReplayServer:
    """The recording served by a forked process of its own (its CPU measured apart: `pid`)."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self._process: multiprocessing.process.BaseProcess | None = None
        self.endpoint_url = ""

    def __enter__(self) -> ReplayServer:
        context = multiprocessing.get_context("fork")  # the child has the recording's index without copying it
        ports = context.Queue()
        self._process = context.Process(target=_serve, args=(self.recording, ports), daemon=True)
        self._process.start()
        self.endpoint_url = f"http://127.0.0.1:{ports.get(timeout=60)}"
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(10)
            self._process = None

