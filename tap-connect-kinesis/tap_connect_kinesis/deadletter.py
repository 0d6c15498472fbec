"""Dead letters: records that are not JSON, not agent events, or that a target could not
load (events.py says which and why), kept with their position so that reading goes on.

Each dead letter is one JSON line in `dead_letter_path` (default `kinesis-dead-letters.jsonl`,
appended to, flushed and fsynced before the state that moves past it is emitted):

    {"stream": ..., "shard_id": ..., "sequence_number": ..., "partition_key": ...,
     "approximate_arrival_timestamp": ..., "collected_at": ..., "reason": ...,
     "data_base64": ...}

`collected_at` is when the tap read the record (as in the rows), `approximate_arrival_timestamp`
when Kinesis received it.

Nothing is dropped in silence: every dead letter is counted and logged with its position.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)


class DeadLetters:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.count = 0
        self._file = None
        self._lock = threading.Lock()

    def add(self, *, stream: str, shard_id: str, sequence_number: str, partition_key: str | None,
            arrival: str | None, collected: str | None, reason: str, data: bytes) -> None:
        line = json.dumps({
            "stream": stream,
            "shard_id": shard_id,
            "sequence_number": sequence_number,
            "partition_key": partition_key,
            "approximate_arrival_timestamp": arrival,
            "collected_at": collected,
            "reason": reason[:500],
            "data_base64": base64.b64encode(data).decode("ascii"),
        }, separators=(",", ":"))
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(line + "\n")
            self.count += 1
        log.warning("Dead letter %d: stream %s shard %s sequence %s: %s (kept in %s)",
                    self.count, stream, shard_id, sequence_number, reason[:200], self.path)

    def sync(self) -> None:
        """Make what was written durable (called before the state moves past it)."""
        with self._lock:
            if self._file is not None:
                self._file.flush()
                os.fsync(self._file.fileno())

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()
                self._file = None
