"""World event sinks that publish agent events: to a Kinesis stream, or to a JSON-lines file.

Register one with `world.add_event_sink(writer.on_event)`. The world calls sinks under its
lock, in time order, as the simulation advances (pacing is the world clock's job), so
`KinesisEventWriter.on_event` only queues the event; a background thread encodes and sends.
The encoder given to a writer decides the shape of the documents (`AgentEventEncoder(directory,
shape)`: "documented" or "full", see event_json.py).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from ..faults import FaultPlan
from ..model import AgentEvent
from .batching import OrderedBatcher, PendingRecord
from .duplicates import is_duplicated
from .event_json import AgentEventEncoder

# Error codes after which the same records may simply be sent again.
RETRYABLE_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "KMSThrottlingException",
        "LimitExceededException",
        "InternalFailure",
        "InternalFailureException",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)


class WriterError(RuntimeError):
    """The writer hit an error it cannot retry; events after it were not sent."""


@dataclass(slots=True)
class WriterStats:
    events: int = 0  # events received from the world
    records_written: int = 0  # records Kinesis accepted, duplicates included
    duplicates_written: int = 0
    put_calls: int = 0
    records_rejected: int = 0  # per-record failures inside a PutRecords answer (sent again)
    calls_retried: int = 0  # whole calls that failed with a retryable error
    events_dropped: int = 0  # received after a fatal error


class Backoff:
    """Exponential backoff with full jitter; reset after a clean call."""

    def __init__(self, base_s: float, max_s: float, seed: int = 0) -> None:
        self._base_s = base_s
        self._max_s = max_s
        self._attempt = 0
        self._random = random.Random(seed)

    def next_delay(self) -> float:
        ceiling = min(self._max_s, self._base_s * (2**self._attempt))
        self._attempt += 1
        return self._random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self._attempt = 0


class KinesisEventWriter:
    """Sends agent events to a Kinesis stream with PutRecords, at least once, in order per agent.

    `client` is a boto3 Kinesis client (or anything with the same `put_records`).
    With `faults.duplicate_rate` > 0, some events (seeded dice) are written twice.
    """

    def __init__(
        self,
        client: Any,
        stream_name: str,
        encoder: AgentEventEncoder,
        faults: FaultPlan | None = None,
        *,
        backoff_base_s: float = 0.05,
        backoff_max_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        batcher: OrderedBatcher | None = None,
    ) -> None:
        self._client = client
        self._stream_name = stream_name
        self._encoder = encoder
        self._faults = faults
        self._backoff = Backoff(backoff_base_s, backoff_max_s, seed=faults.seed if faults else 0)
        self._sleep = sleep
        self._batcher = batcher or OrderedBatcher()  # touched by the sender thread only
        self.stats = WriterStats()

        self._inbox: deque[AgentEvent] = deque()
        self._cond = threading.Condition()
        self._idle = True
        self._closing = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kinesis-event-writer", daemon=True)
        self._thread.start()

    # -- the world's side -----------------------------------------------------------------
    def on_event(self, event: AgentEvent) -> None:
        """World event sink: queue the event and return at once."""
        with self._cond:
            if self._error is not None or self._closing:
                self.stats.events_dropped += 1
                return
            self._inbox.append(event)
            self.stats.events += 1
            self._idle = False
            self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until Kinesis has accepted every event queued so far."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not (self._idle and not self._inbox) and self._error is None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"{len(self._inbox)} events still queued for Kinesis")
                self._cond.wait(remaining)
        self._raise_if_failed()

    def close(self, timeout: float | None = None) -> None:
        """Send what is queued, then stop the sender thread."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the Kinesis writer did not finish in time")
        self._raise_if_failed()

    def __enter__(self) -> KinesisEventWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise WriterError(f"writing to Kinesis stream {self._stream_name!r} failed") from self._error

    # -- the sender thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    while not self._inbox and not len(self._batcher) and not self._closing:
                        self._idle = True
                        self._cond.notify_all()
                        self._cond.wait()
                    if self._closing and not self._inbox and not len(self._batcher):
                        return
                    events = list(self._inbox)
                    self._inbox.clear()
                for event in events:
                    self._queue_records(event)
                if len(self._batcher):
                    self._send_one_call()
        except BaseException as error:  # reported by flush()/close()
            self._error = error
        finally:
            with self._cond:
                self._idle = True
                self._cond.notify_all()

    def _queue_records(self, event: AgentEvent) -> None:
        record = PendingRecord(self._encoder.agent_arn(event), lambda: self._encoder.encode(event))
        self._batcher.add(record)
        if is_duplicated(self._faults, event.event_id):
            # a distinct object (the batcher tells the copies apart), the same bytes
            self._batcher.add(PendingRecord(record.partition_key, lambda: record.data))
            self.stats.duplicates_written += 1

    def _send_one_call(self) -> None:
        batch = self._batcher.next_batch()
        self.stats.put_calls += 1
        try:
            answer = self._client.put_records(
                StreamName=self._stream_name,
                Records=[{"Data": r.data, "PartitionKey": r.partition_key} for r in batch],
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in RETRYABLE_ERROR_CODES:
                raise
            self._retry_later()
            return
        except (ConnectionError, HTTPClientError):
            self._retry_later()
            return
        results = answer["Records"]
        accepted = [r for r, result in zip(batch, results, strict=True) if not result.get("ErrorCode")]
        self._batcher.settle(accepted)
        self.stats.records_written += len(accepted)
        rejected = len(batch) - len(accepted)
        if rejected:
            self.stats.records_rejected += rejected
            self._sleep(self._backoff.next_delay())
        else:
            self._backoff.reset()

    def _retry_later(self) -> None:
        self.stats.calls_retried += 1
        self._sleep(self._backoff.next_delay())


class JsonlEventWriter:
    """Writes the same documents as the Kinesis writer, one JSON object per line.

    Writing a line to a buffered file is as cheap as queueing it, so this sink writes at once.
    """

    def __init__(
        self,
        target: str | Path | IO[bytes],
        encoder: AgentEventEncoder,
        faults: FaultPlan | None = None,
    ) -> None:
        self._owns_file = isinstance(target, str | Path)
        self._file: IO[bytes] = open(target, "wb") if isinstance(target, str | Path) else target  # noqa: SIM115
        self._encoder = encoder
        self._faults = faults
        self.lines_written = 0

    def on_event(self, event: AgentEvent) -> None:
        line = self._encoder.encode(event) + b"\n"
        copies = 2 if is_duplicated(self._faults, event.event_id) else 1
        for _ in range(copies):
            self._file.write(line)
        self.lines_written += copies

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self.flush()
        if self._owns_file:
            self._file.close()

    def __enter__(self) -> JsonlEventWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
