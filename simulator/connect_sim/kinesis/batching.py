"""Cutting queued records into PutRecords calls without ever reordering a partition key.

PutRecords may accept some records of a call and reject others. If a call held two records
of one key and the first were rejected while the second went through, retrying the first
would put it behind the second. So a call holds at most one record per partition key (the
oldest one not yet written), and a record leaves its key's queue only once Kinesis has
accepted it: a rejected record is simply offered again, still first in its key's line.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable

# PutRecords limits (Kinesis Data Streams API reference).
MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024
MAX_BYTES_PER_RECORD = 1024 * 1024  # data + partition key


class PendingRecord:
    """One record to put. `data` may be given as a function that makes it: a backlog then
    holds the light source objects, and each record is encoded when it is first offered."""

    __slots__ = ("_data", "_make", "partition_key")

    def __init__(self, partition_key: str, data: bytes | Callable[[], bytes]) -> None:
        self.partition_key = partition_key
        if isinstance(data, bytes):
            self._data, self._make = data, None
        else:
            self._data, self._make = None, data

    @property
    def data(self) -> bytes:
        if self._data is None:
            assert self._make is not None
            self._data, self._make = self._make(), None
        return self._data

    @property
    def size(self) -> int:
        size = len(self.data) + len(self.partition_key.encode())
        if size > MAX_BYTES_PER_RECORD:
            raise ValueError(f"a record of {size} bytes exceeds the 1 MiB Kinesis limit")
        return size


class OrderedBatcher:
    """Per-partition-key FIFO queues, read out one head per key per call."""

    def __init__(
        self, max_records: int = MAX_RECORDS_PER_CALL, max_bytes: int = MAX_BYTES_PER_CALL
    ) -> None:
        self._max_records = max_records
        self._max_bytes = max_bytes
        # key → its unwritten records, oldest first; keys in the order they were served last
        self._queues: OrderedDict[str, deque[PendingRecord]] = OrderedDict()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, record: PendingRecord) -> None:
        self._queues.setdefault(record.partition_key, deque()).append(record)
        self._count += 1

    def next_batch(self) -> list[PendingRecord]:
        """The head record of as many keys as fit in one call; nothing is removed yet."""
        batch: list[PendingRecord] = []
        size = 0
        for queue in self._queues.values():
            head = queue[0]
            if len(batch) == self._max_records or size + head.size > self._max_bytes:
                break
            batch.append(head)
            size += head.size
        return batch

    def settle(self, accepted: list[PendingRecord]) -> None:
        """Drop the records Kinesis accepted; served keys move to the back for fairness."""
        for record in accepted:
            queue = self._queues[record.partition_key]
            if queue[0] is not record:
                raise RuntimeError("settle() got a record that is not its key's oldest")
            queue.popleft()
            self._count -= 1
            if queue:
                self._queues.move_to_end(record.partition_key)
            else:
                del self._queues[record.partition_key]
