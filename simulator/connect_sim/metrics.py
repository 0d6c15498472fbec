"""Counts and sums per queue × channel × interval, from contact segments.

The one attribution rule of the simulator, used by the metric APIs and by ground truth:
every figure of a contact segment belongs to the interval holding its enqueue time.
A segment counts as queued (offered) from its enqueue; its outcome figures (handled or
abandoned, and their times) count once the segment is finished and published
(`World.visible_ms`). So a recent interval grows as its contacts finish, and is final
once they all have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .model import ContactSegment


@dataclass(slots=True)
class Figures:
    contacts_queued: int = 0
    contacts_handled: int = 0
    contacts_abandoned: int = 0
    contacts_transferred_out: int = 0
    contacts_put_on_hold: int = 0
    contacts_missed: int = 0  # agent non-responses (missed or rejected offers)
    handle_ms: int = 0
    talk_ms: int = 0  # interaction time, hold excluded
    hold_ms: int = 0
    acw_ms: int = 0
    connecting_ms: int = 0
    queue_answer_ms: int = 0  # queue wait of handled contacts
    abandon_ms: int = 0  # queue wait of abandoned contacts
    max_queued_ms: int = 0  # longest queue wait of any finished contact
    # queue waits (ms) of handled and of abandoned contacts, for thresholds asked later
    answer_waits_ms: list[int] = field(default_factory=list)
    abandon_waits_ms: list[int] = field(default_factory=list)

    def merge(self, other: Figures) -> None:
        """Add `other` in: counts and sums add, the maximum stays the maximum, waits join."""
        for name in SUMMED_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.max_queued_ms = max(self.max_queued_ms, other.max_queued_ms)
        self.answer_waits_ms.extend(other.answer_waits_ms)
        self.abandon_waits_ms.extend(other.abandon_waits_ms)

    def answered_within(self, threshold_s: float) -> int:
        """Contacts answered in less than `threshold_s` seconds (Connect compares LT)."""
        limit = threshold_s * 1000
        return sum(1 for wait in self.answer_waits_ms if wait < limit)

    def abandoned_within(self, threshold_s: float) -> int:
        limit = threshold_s * 1000
        return sum(1 for wait in self.abandon_waits_ms if wait < limit)

    def add(self, seg: ContactSegment, finished: bool) -> None:
        self.contacts_queued += 1
        if not finished:
            return
        wait = seg.queue_wait_ms or 0
        self.max_queued_ms = max(self.max_queued_ms, wait)
        self.contacts_missed += seg.missed_count
        if seg.abandoned:
            self.contacts_abandoned += 1
            self.abandon_ms += wait
            self.abandon_waits_ms.append(wait)
            return
        self.contacts_handled += 1
        self.handle_ms += seg.handle_ms
        self.talk_ms += seg.talk_ms
        self.hold_ms += seg.hold_ms
        self.acw_ms += seg.acw_ms
        self.connecting_ms += seg.connecting_ms
        self.queue_answer_ms += wait
        self.answer_waits_ms.append(wait)
        self.contacts_transferred_out += int(seg.transferred_out)
        self.contacts_put_on_hold += int(seg.hold_count > 0)


SUMMED_FIELDS = (
    "contacts_queued", "contacts_handled", "contacts_abandoned", "contacts_transferred_out",
    "contacts_put_on_hold", "contacts_missed", "handle_ms", "talk_ms", "hold_ms", "acw_ms",
    "connecting_ms", "queue_answer_ms", "abandon_ms",
)


def interval_start(t_ms: int, interval_ms: int) -> int:
    return t_ms - t_ms % interval_ms


def figures_by_interval(
    segments: Iterable[ContactSegment],
    interval_ms: int,
    visible_ms: Callable[[ContactSegment], int | None],
    as_of_ms: int | None,
) -> dict[tuple[str, str, int], Figures]:
    """Figures keyed (queue_id, channel, interval_start_ms).

    `as_of_ms` None means the final figures (ground truth): every finished segment counts.
    Only intervals with at least one contact have a key; callers densify.
    """
    out: dict[tuple[str, str, int], Figures] = {}
    for seg in segments:
        key = (seg.queue_id, seg.channel, interval_start(seg.enqueue_ms, interval_ms))
        figures = out.get(key)
        if figures is None:
            figures = out[key] = Figures()
        shown_at = visible_ms(seg)
        finished = shown_at is not None and (as_of_ms is None or shown_at <= as_of_ms)
        figures.add(seg, finished)
    return out
