"""The checkpoint: where reading one Kinesis stream has got to, and the one owner of it.

A `Checkpoint` holds, for one Kinesis stream read into one Singer stream:
  - the stream it belongs to: its name or ARN as configured (`kinesis_stream`), and its
    identity as Kinesis gives it (StreamARN, StreamCreationTimestamp): a stream deleted and
    created again under the same name has a new creation time and starts its sequence
    numbers afresh, so positions of the old one would skip the new one's records;
  - per shard, the last sequence number processed (a decimal string, compared as an
    integer) and whether a closed shard has been read to its end (`finished`).

Only the checkpoint changes positions: the reader calls `advance`, `finish`, `reopen`,
`drop`, `forget_positions`, `check_identity`; nothing else edits the state. It becomes
Singer state (`bookmark()`) only when the tap emits a STATE message (sdk_internals.py puts
it into the SDK's state then), so a STATE message never carries a position whose rows have
not been written.

The bookmark (`bookmarks.<singer stream>` of the Singer state):

    {"kinesis_stream": name or ARN, "stream_arn": "...", "stream_created_at": "2026-...Z",
     "shards": {shard id: {"sequence_number": "..." or null, "finished": bool}}}
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("tap_connect_kinesis.checkpoint")

#: the bookmark keys the checkpoint owns (any other key of a bookmark is left as it is)
OWNED_KEYS = ("kinesis_stream", "stream_arn", "stream_created_at", "shards")


class Identity(enum.Enum):
    """What `check_identity` found."""

    SAME = "same"  # the positions are of this stream
    ADOPTED = "adopted"  # a state from before the tap kept the identity: positions kept
    RECREATED = "recreated"  # another stream under the same name: positions discarded


@dataclass(slots=True)
class ShardPosition:
    sequence_number: str | None = None
    finished: bool = False


class Checkpoint:
    """The positions of one Kinesis stream (see the module)."""

    def __init__(self, kinesis_stream: str, stream_arn: str | None = None,
                 stream_created_at: str | None = None,
                 shards: Mapping[str, ShardPosition] | None = None) -> None:
        self.kinesis_stream = kinesis_stream
        self.stream_arn = stream_arn
        self.stream_created_at = stream_created_at
        self._shards: dict[str, ShardPosition] = dict(shards or {})

    # -- from and to Singer state ---------------------------------------------------------------
    @classmethod
    def from_bookmark(cls, bookmark: Mapping[str, Any] | None, kinesis_stream: str,
                      singer_stream: str = "") -> Checkpoint:
        """The checkpoint a saved bookmark describes (the bookmark is not changed). A bookmark
        of another Kinesis stream (name or ARN) is ignored, with a warning: its positions
        mean nothing here."""
        bookmark = bookmark or {}
        saved_stream = bookmark.get("kinesis_stream")
        if saved_stream not in (None, kinesis_stream):
            log.warning("State is for Kinesis stream %r, not %r: starting %s afresh", saved_stream,
                        kinesis_stream, singer_stream or kinesis_stream)
            return cls(kinesis_stream)
        shards = {}
        for shard_id, saved in (bookmark.get("shards") or {}).items():
            saved = saved or {}
            sequence = saved.get("sequence_number")
            shards[shard_id] = ShardPosition(str(sequence) if sequence is not None else None,
                                             bool(saved.get("finished", False)))
        return cls(kinesis_stream, bookmark.get("stream_arn"), bookmark.get("stream_created_at"), shards)

    def bookmark(self) -> dict[str, Any]:
        """The checkpoint as a Singer bookmark (a new dict: changing it changes nothing here)."""
        bookmark: dict[str, Any] = {"kinesis_stream": self.kinesis_stream}
        if self.stream_arn is not None:
            bookmark["stream_arn"] = self.stream_arn
        if self.stream_created_at is not None:
            bookmark["stream_created_at"] = self.stream_created_at
        bookmark["shards"] = {shard_id: {"sequence_number": p.sequence_number, "finished": p.finished}
                              for shard_id, p in self._shards.items()}
        return bookmark

    # -- reading the positions ------------------------------------------------------------------
    def __contains__(self, shard_id: object) -> bool:
        return shard_id in self._shards

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._shards))

    def __len__(self) -> int:
        return len(self._shards)

    def sequence_number(self, shard_id: str) -> str | None:
        """The last sequence number processed of the shard (None: none yet)."""
        position = self._shards.get(shard_id)
        return position.sequence_number if position is not None else None

    def is_finished(self, shard_id: str) -> bool:
        position = self._shards.get(shard_id)
        return position is not None and position.finished

    # -- moving them ----------------------------------------------------------------------------
    def start(self, shard_id: str) -> bool:
        """List a shard being read (without a position yet). True if it was not listed."""
        if shard_id in self._shards:
            return False
        self._shards[shard_id] = ShardPosition()
        return True

    def advance(self, shard_id: str, sequence_number: str) -> None:
        """The shard's records up to `sequence_number` are processed (the reader never hands
        over a record at or below a shard's position)."""
        position = self._shards.get(shard_id)
        if position is None:
            self._shards[shard_id] = ShardPosition(sequence_number)
        else:
            position.sequence_number = sequence_number

    def finish(self, shard_id: str) -> None:
        """A closed shard is read to its end (or expired past retention)."""
        position = self._shards.get(shard_id)
        if position is None:
            self._shards[shard_id] = ShardPosition(finished=True)
        else:
            position.finished = True

    def reopen(self, shard_id: str) -> None:
        """`finished` cleared: the stream lists the shard as open (only a closed shard can have
        been read to its end), so it is read on from its position."""
        position = self._shards.get(shard_id)
        if position is not None:
            position.finished = False

    def drop(self, shard_id: str) -> bool:
        """Forget a shard gone from the stream (expired past retention). True if it was known."""
        return self._shards.pop(shard_id, None) is not None

    def forget_positions(self) -> None:
        self._shards.clear()

    # -- the stream's identity ------------------------------------------------------------------
    def check_identity(self, stream_arn: str, created_at: str) -> Identity:
        """Positions belong to the stream with this ARN and creation time (ISO 8601 UTC, as
        events.iso_utc writes it). Another one (deleted and created again): the positions are
        discarded. None known (a state written before the tap kept one): adopted, positions
        kept. Either way the identity is recorded."""
        known_arn, known_created = self.stream_arn, self.stream_created_at
        if known_created and (known_created != created_at or (known_arn and known_arn != stream_arn)):
            self.forget_positions()
            outcome = Identity.RECREATED
        elif not known_created:
            outcome = Identity.ADOPTED
        else:
            outcome = Identity.SAME
        self.stream_arn, self.stream_created_at = stream_arn, created_at
        return outcome

    def __repr__(self) -> str:
        return f"Checkpoint({self.bookmark()!r})"
