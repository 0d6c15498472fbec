"""Counts and sums per group (queue × channel, or what a request groups by) × interval,
from contact segments.

The one attribution rule of the simulator, used by the metric APIs (GetMetricData,
GetMetricDataV2) and by ground truth (`truth.interval_volume`) alike. It is AWS's
documented rule (docs/aws-sources.md §8; archive `historical-metrics.md`,
https://docs.aws.amazon.com/connect/latest/adminguide/historical-metrics.html):
*contact-record-driven* metrics go to the interval holding the contact record's
**disconnect** time, so a contact from 05:23 to 06:15 counts entirely in 06:00-06:30;
CONTACTS_QUEUED_BY_ENQUEUE goes by the enqueue time ("Contacts queued (enqueue
timestamp)"). For one segment (one contact in one queue, `model.ContactSegment`):

| figure | interval holding | counted from |
|---|---|---|
| `contacts_queued_by_enqueue` (CONTACTS_QUEUED_BY_ENQUEUE) | the enqueue time | the enqueue |
| `contacts_queued` (CONTACTS_QUEUED) | the disconnect time (`ended_ms`) | the disconnect |
| every other figure | the disconnect time | the record is final (`visible_ms`) |

The disconnect time of a segment (`ContactSegment.ended_ms`) is when its conversation
ended (the agent disconnected, or transferred it out), or, abandoned, when the customer
hung up. AWS names no publication delay for CONTACTS_QUEUED_BY_ENQUEUE; the simulator
counts it from the enqueue (as a queue's real-time figures would). The outcome figures —
handled or abandoned, transferred out, put on hold, their handle, talk, hold,
after-contact-work and connecting times, queue waits (answer, abandon, longest, within X)
and agent non-responses — count once the contact record is final: after-contact work done
(or abandoned) plus any restate delay (`World.visible_ms`). So a recent interval grows as
its contacts end, and is final once they all have.

Outbound calls (never queued: CCP-dialled calls are not in CONTACTS_QUEUED, re:Post
https://repost.aws/knowledge-center/connect-metrics-discrepancy) count as handled (in
`contacts_handled` and `contacts_handled_outbound`, with their times) at their disconnect,
but never as queued or answered from the queue: not in `contacts_queued*`,
`contacts_answered`, the queue answer time, the answered-within-X waits or the longest
queue wait. `contacts_answered` (queued, then answered by an agent) is the denominator
of AVG_QUEUE_ANSWER_TIME (docs/aws-sources.md §8, QUEUE_ANSWER_TIME).

Simplification: AGENT_NON_RESPONSE (`contacts_missed`) and the connecting time go with the
contact record too (to the agent who took the contact), although AWS counts agent activity
when it happened (§9). The agent-activity-driven time metrics (online, idle, on contact,
non-productive, error status) are split by when it happened (`agent_activity.py`); they are
fields of Figures too, so one response row holds both kinds.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from .model import ContactSegment

# A moment (epoch ms) → the start of the interval holding it; None: outside the window asked for.
Bucket = Callable[[int], int | None]


@dataclass(slots=True)
class Figures:
    contacts_queued_by_enqueue: int = 0  # queued, by enqueue time (what a forecaster needs)
    contacts_queued: int = 0  # queued, by disconnect time (Connect's CONTACTS_QUEUED)
    contacts_handled: int = 0  # inbound, transferred and outbound
    contacts_handled_outbound: int = 0  # of contacts_handled, the OUTBOUND calls agents dialled
    contacts_answered: int = 0  # of contacts_handled, those queued and answered by an agent
    contacts_abandoned: int = 0
    contacts_transferred_out: int = 0
    contacts_put_on_hold: int = 0
    contacts_missed: int = 0  # agent non-responses (missed or rejected offers)
    handle_ms: int = 0
    talk_ms: int = 0  # interaction time, hold excluded
    hold_ms: int = 0
    acw_ms: int = 0
    connecting_ms: int = 0
    queue_answer_ms: int = 0  # queue wait of the contacts_answered (outbound calls have none)
    abandon_ms: int = 0  # queue wait of abandoned contacts
    max_queued_ms: int = 0  # longest queue wait of any finished queued contact
    # queue waits (ms) of answered and of abandoned contacts, for thresholds asked later
    answer_waits_ms: list[int] = field(default_factory=list)
    abandon_waits_ms: list[int] = field(default_factory=list)
    # agent-activity-driven time (agent_activity.py), by when it happened
    online_ms: int = 0
    idle_ms: int = 0
    contact_ms: int = 0
    non_productive_ms: int = 0
    error_status_ms: int = 0

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

    def add_record(self, seg: ContactSegment) -> None:
        """The final contact record of an ended segment: its outcome figures."""
        if seg.outbound:
            self.contacts_handled_outbound += 1
            self._add_handled(seg)
            return
        wait = seg.queue_wait_ms or 0
        self.max_queued_ms = max(self.max_queued_ms, wait)
        self.contacts_missed += seg.missed_count
        if seg.abandoned:
            self.contacts_abandoned += 1
            self.abandon_ms += wait
            self.abandon_waits_ms.append(wait)
            return
        self._add_handled(seg)
        self.contacts_answered += 1
        self.queue_answer_ms += wait
        self.answer_waits_ms.append(wait)

    def _add_handled(self, seg: ContactSegment) -> None:
        self.contacts_handled += 1
        self.handle_ms += seg.handle_ms
        self.talk_ms += seg.talk_ms
        self.hold_ms += seg.hold_ms
        self.acw_ms += seg.acw_ms
        self.connecting_ms += seg.connecting_ms
        self.contacts_transferred_out += int(seg.transferred_out)
        self.contacts_put_on_hold += int(seg.hold_count > 0)


SUMMED_FIELDS = (
    "contacts_queued_by_enqueue", "contacts_queued", "contacts_handled",
    "contacts_handled_outbound", "contacts_answered", "contacts_abandoned",
    "contacts_transferred_out", "contacts_put_on_hold", "contacts_missed", "handle_ms", "talk_ms",
    "hold_ms", "acw_ms", "connecting_ms", "queue_answer_ms", "abandon_ms",
    "online_ms", "idle_ms", "contact_ms", "non_productive_ms", "error_status_ms",
)


def interval_start(t_ms: int, interval_ms: int) -> int:
    return t_ms - t_ms % interval_ms


def fixed_intervals(interval_ms: int, start_ms: int | None = None,
                    end_ms: int | None = None) -> Bucket:
    """Intervals of `interval_ms` from the epoch; moments outside [start_ms, end_ms) (when
    given) belong to none."""
    def bucket(t_ms: int) -> int | None:
        if (start_ms is not None and t_ms < start_ms) or (end_ms is not None and t_ms >= end_ms):
            return None
        return t_ms - t_ms % interval_ms
    return bucket


def listed_intervals(bounds: Sequence[tuple[int, int]]) -> Bucket:
    """The given [start, end) intervals (in order, without overlap, e.g. a request's
    reporting intervals); moments outside them belong to none."""
    starts = [lo for lo, _ in bounds]

    def bucket(t_ms: int) -> int | None:
        i = bisect.bisect_right(starts, t_ms) - 1
        return starts[i] if i >= 0 and t_ms < bounds[i][1] else None
    return bucket


def attribute(
    segments: Iterable[ContactSegment],
    group_of: Callable[[ContactSegment], Hashable | None],
    bucket: Bucket,
    visible_ms: Callable[[ContactSegment], int | None],
    as_of_ms: int | None,
) -> dict[tuple[Hashable, int], Figures]:
    """Figures keyed (group, interval start) by the rule above, as of `as_of_ms`.

    `as_of_ms` None means the final figures (ground truth): every enqueued, ended or
    finished segment counts. A segment whose group is None belongs to no group. Only keys
    with at least one figure exist (callers densify). Pass every segment that may have a
    figure in the window (`World.segments_for_window`): one enqueued before the window can
    end in it.
    """
    out: dict[tuple[Hashable, int], Figures] = {}

    def figures_at(group: Hashable, t_ms: int) -> Figures | None:
        interval = bucket(t_ms)
        if interval is None:
            return None
        key = (group, interval)
        figures = out.get(key)
        if figures is None:
            figures = out[key] = Figures()
        return figures

    def happened(t_ms: int | None) -> bool:
        return t_ms is not None and (as_of_ms is None or t_ms <= as_of_ms)

    for seg in segments:
        group = group_of(seg)
        if group is None:
            continue
        if not seg.outbound and happened(seg.enqueue_ms):
            figures = figures_at(group, seg.enqueue_ms)
            if figures is not None:
                figures.contacts_queued_by_enqueue += 1
        if not happened(seg.ended_ms):
            continue
        final = happened(visible_ms(seg))
        if seg.outbound and not final:
            continue  # an outbound call has no figure before its record is final
        figures = figures_at(group, seg.ended_ms)  # type: ignore[arg-type]
        if figures is None:
            continue
        if not seg.outbound:
            figures.contacts_queued += 1
        if final:
            figures.add_record(seg)
    return out


def figures_by_interval(
    segments: Iterable[ContactSegment],
    interval_ms: int,
    visible_ms: Callable[[ContactSegment], int | None],
    as_of_ms: int | None,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> dict[tuple[str, str, int], Figures]:
    """Figures keyed (queue_id, channel, interval_start_ms), by `attribute`.

    With `start_ms`/`end_ms`, figures falling outside [start_ms, end_ms) are left out (an
    interval outside the window would hold only the figures of the segments passed in).
    """
    figures = attribute(segments, lambda seg: (seg.queue_id, seg.channel),
                        fixed_intervals(interval_ms, start_ms, end_ms), visible_ms, as_of_ms)
    return {(queue_id, channel, t): f for ((queue_id, channel), t), f in figures.items()}
