"""What the tap writes for each poll cycle: the rows (batch files and BATCH messages, or
RECORD messages), then the STATE message holding every stream's checkpoint.

Order, per cycle that moved a position: dead letters made durable; each stream's rows
(deduplicated by key) written; the checkpoints put into the SDK's state; then STATE. For the
stream whose sync runs the loop (the caller) the batch is handed to the SDK, which writes its
BATCH message and then STATE (sdk_internals.py checks it does); otherwise STATE is written
here. A STATE message never carries a position whose rows are not written before it.
"""

from __future__ import annotations

import typing as t

from .batchfiles import BatchFiles
from .checkpoint import Checkpoint
from .deadletter import DeadLetters
from .health import HealthFile
from .reader import Cycle
from .sdk_internals import BaseBatchFileEncoding, put_checkpoints

if t.TYPE_CHECKING:
    from .streams import KinesisStream


class Output:
    def __init__(self, caller: KinesisStream, streams: list[KinesisStream],
                 checkpoints: dict[KinesisStream, Checkpoint], files: BatchFiles,
                 dead_letters: DeadLetters, health: HealthFile, as_records: bool) -> None:
        self.caller = caller
        self.checkpoints = checkpoints
        self._by_name = {s.name: s for s in streams}
        self._files = files
        self._dead_letters = dead_letters
        self._health = health
        self._as_records = as_records

    def emit(self, cycle: Cycle) -> t.Iterator[tuple[BaseBatchFileEncoding, list[str]]]:
        """Write one cycle; yields the caller's batch, if any (the SDK writes BATCH, STATE)."""
        self._health.touch()
        if not cycle.moved:
            return  # nothing read, no position changed: no message
        self._dead_letters.sync()  # durable before the state moves past them
        self._health.touch()
        mine = None
        for stream_name, rows in cycle.rows.items():
            if not rows:
                continue
            rows = dedupe(stream_name, rows)
            stream = self._by_name[stream_name]
            if self._as_records:
                stream.write_rows(rows)
                continue
            manifest = self._files.write(stream_name, rows)
            if stream is self.caller:
                mine = manifest
            else:
                stream.write_batch(self._files.encoding, manifest)
        if mine is not None:
            put_checkpoints(self.checkpoints)
            yield self._files.encoding, mine
        else:
            self.caller.write_state_now(self.checkpoints)

    def final_state(self) -> None:
        self.caller.write_state_now(self.checkpoints)


def dedupe(stream_name: str, rows: list[t.Any]) -> list[t.Any]:
    """One row per key within a batch (the target's upsert cannot take a key twice)."""
    if stream_name == "contact_records":
        newest: dict[str, t.Any] = {}
        for row in rows:
            kept = newest.get(row.contact_id)
            if kept is None or (row.last_update_timestamp or "") >= (kept.last_update_timestamp or ""):
                newest[row.contact_id] = row
        return list(newest.values())
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row.event_id not in seen:
            seen.add(row.event_id)
            unique.append(row)
    return unique
