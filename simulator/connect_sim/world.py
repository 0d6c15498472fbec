"""The simulated contact centre as one object: configuration, simulation, clock and faults.

Everything that serves the world (the Connect API, the Kinesis writer, ground truth) reads
it through this facade. The simulation only moves forward: `sync()` advances it to the
clock's now, so what an API shows at a moment is what had happened by then.
"""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .agent_activity import AgentPiece
from .clock import Clock, FixedClock
from .config import WorldConfig
from .directory import build_directory
from .engine import Engine
from .faults import FaultPlan
from .model import (
    AgentEvent,
    ContactSegment,
    ContactView,
    Directory,
    ScheduledActivity,
    StatePeriod,
)


@dataclass(frozen=True, slots=True)
class LiveAgent:
    user_id: str
    routing_profile_id: str
    logged_in: bool
    status_id: str
    status_type: str
    contacts: tuple[ContactView, ...]


@dataclass(frozen=True, slots=True)
class LiveView:
    """The centre at one moment, for GetCurrentMetricData."""

    now_ms: int
    waiting: tuple[tuple[str, str, int], ...]  # (queue_id, channel, enqueue_ms) per contact in queue
    agents: tuple[LiveAgent, ...]


class World:
    def __init__(self, config: WorldConfig, clock: Clock | None = None, faults: FaultPlan | None = None):
        self.config = config
        self.clock = clock or FixedClock(config.start_ms)
        self.faults = faults or FaultPlan()
        self.directory: Directory = build_directory(config)
        self._engine = Engine(config, self.directory)
        self._lock = threading.RLock()

    # -- time -------------------------------------------------------------------------
    def sync(self) -> int:
        """Advance the simulation to the clock's now and return now (ms)."""
        now = self.clock.now_ms()
        with self._lock:
            if now > self._engine.now_ms:
                self._engine.advance_to(now)
            return self._engine.now_ms

    @property
    def now_ms(self) -> int:
        return self._engine.now_ms

    # -- outputs ----------------------------------------------------------------------
    def add_event_sink(self, sink: Callable[[AgentEvent], None]) -> None:
        """Call `sink` with every agent event from now on, in time order (under the world lock)."""
        self._engine.event_sinks.append(sink)

    def remove_event_sink(self, sink: Callable[[AgentEvent], None]) -> None:
        with self._lock:
            self._engine.event_sinks.remove(sink)

    def segments(self, instance_id: str, start_ms: int, end_ms: int) -> list[ContactSegment]:
        """Contact segments enqueued (outbound calls: dialled) in [start_ms, end_ms), finished
        or not (as of now).

        Copies: the simulation goes on changing unfinished segments in other threads.
        """
        with self._lock:
            segs = self._engine.segments_by_instance.get(instance_id, [])
            keys = self._engine.segment_enqueue_keys.get(instance_id, [])
            lo = bisect.bisect_left(keys, start_ms)
            hi = bisect.bisect_left(keys, end_ms)
            return [copy.copy(segment) for segment in segs[lo:hi]]

    def segments_for_window(self, instance_id: str, start_ms: int, end_ms: int) -> list[ContactSegment]:
        """Every segment with a figure in [start_ms, end_ms) as of now (metrics.py's rule):
        enqueued (outbound calls: dialled) in it, or ended (`ContactSegment.ended_ms`) in it.
        Copies, in enqueue order."""
        with self._lock:
            segs = self._engine.segments_by_instance.get(instance_id, [])
            keys = self._engine.segment_enqueue_keys.get(instance_id, [])
            longest = self._engine.longest_segment_ms.get(instance_id, 0)
            lo = bisect.bisect_left(keys, start_ms - longest)
            hi = bisect.bisect_left(keys, end_ms)
            return [
                copy.copy(segment) for segment in segs[lo:hi]
                if segment.enqueue_ms >= start_ms
                or (segment.ended_ms is not None and start_ms <= segment.ended_ms < end_ms)
            ]

    def visible_ms(self, segment: ContactSegment) -> int | None:
        """When a segment's final figures show in the metric APIs (None: not finished yet)."""
        if segment.completed_ms is None:
            return None
        return segment.completed_ms + self.faults.publish_delay_ms(segment.contact_id)

    def agent_activity(self, instance_id: str, start_ms: int, end_ms: int,
                       as_of_ms: int | None = None) -> list[AgentPiece]:
        """Every agent's recorded states (agent_activity.py) within [start_ms, end_ms), up to
        now. With `as_of_ms` (an API answering at that moment), each agent's time shows only
        up to `as_of_ms` minus its publication delay (`activity_delay_ms`): a recent interval
        is partial and restated later, like the contact-record figures; None: the truth."""
        with self._lock:
            pieces = self._engine.agent_activity(instance_id, start_ms, min(end_ms, self._engine.now_ms))
        if as_of_ms is None:
            return pieces
        out = []
        for piece in pieces:
            until = as_of_ms - self.activity_delay_ms(piece.user_id)
            if piece.start_ms < until:
                out.append(piece if piece.end_ms <= until else
                           AgentPiece(piece.user_id, piece.start_ms, until, piece.code))
        return out

    def activity_delay_ms(self, user_id: str) -> int:
        """How late an agent's activity time shows in the metric API (the fault plan's
        restate window; 0 without one)."""
        return self.faults.publish_delay_ms(f"agent-activity:{user_id}")

    def state_periods(self, instance_id: str, user_id: str | None = None) -> list[StatePeriod]:
        """Ground-truth state timeline (closed periods plus each agent's open one)."""
        with self._lock:
            return self._engine.state_periods(instance_id, user_id)

    def schedule(self) -> list[ScheduledActivity]:
        """Shift plans made so far."""
        with self._lock:
            return list(self._engine.schedule)

    def live(self, instance_id: str) -> LiveView:
        with self._lock:
            return self._engine.live_view(instance_id)

    # -- changes a test or the demo can make --------------------------------------------
    def modify_user(self, user_id: str, at_ms: int, **changes) -> None:
        with self._lock:
            self._engine.modify_user(user_id, at_ms, **changes)

    def delete_user(self, user_id: str, at_ms: int) -> None:
        with self._lock:
            self._engine.delete_user(user_id, at_ms)
