"""Ground truth: what really happened, for tests to check the pipeline's numbers against.

Volumes use the same attribution rule as the metric APIs (metrics.py: by the contact
record's disconnect time, "queued by enqueue" by the enqueue time) with every ended or
finished contact counted; state timelines come straight from the simulation, not from
the events, so replaying the events is an independent check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from .agent_activity import attribute_activity
from .metrics import Figures, attribute, figures_by_interval, fixed_intervals
from .model import ScheduledActivity, StatePeriod
from .world import World

MS = 1000


def iso(t_ms: int | None) -> str | None:
    if t_ms is None:
        return None
    return datetime.fromtimestamp(t_ms / MS, UTC).isoformat().replace("+00:00", "Z")


def interval_volume(
    world: World,
    instance_id: str,
    start_ms: int,
    end_ms: int,
    interval_minutes: int = 15,
    thresholds_s: Iterable[int] = (20,),
    dense: bool = True,
) -> list[dict]:
    """One row per queue × channel × interval with the true counts and sums (seconds).

    Dense: every standard queue × each of its channels × every interval, zeros included;
    agent queues only where they had contacts. Intervals must be whole.

    Attribution (metrics.py, AWS's rule): `contacts_offered` is by the interval a contact
    was enqueued in (CONTACTS_QUEUED_BY_ENQUEUE: the volume a forecaster needs); every
    other figure is by the interval holding the contact record's disconnect time —
    `contacts_queued` (CONTACTS_QUEUED: the same contacts, counted when they ended),
    `contacts_handled` (inbound, transferred and outbound), `contacts_handled_outbound`,
    `contacts_answered` (queued and answered by an agent: the count AVG_QUEUE_ANSWER_TIME
    averages over, so `queue_answer_time_seconds` / `contacts_answered` is its value),
    abandons, transfers, holds, the time sums, the waits and `contacts_answered_in_<X>s`.
    Outbound calls count in their default outbound queue at their disconnect, in
    `contacts_handled`, `contacts_handled_outbound` and the time sums only.
    """
    interval_ms = interval_minutes * 60 * MS
    if start_ms % interval_ms or end_ms % interval_ms:
        raise ValueError("start and end must fall on interval boundaries")
    world.sync()
    figures = figures_by_interval(world.segments_for_window(instance_id, start_ms, end_ms),
                                  interval_ms, world.visible_ms, as_of_ms=None,
                                  start_ms=start_ms, end_ms=end_ms)
    keys = set(figures)
    if dense:
        for queue in world.directory.queues_of(instance_id):
            for channel in queue.channels:
                for t in range(start_ms, end_ms, interval_ms):
                    keys.add((queue.id, channel, t))
    thresholds = tuple(thresholds_s)
    return [
        _row(instance_id, key, interval_ms, figures.get(key) or Figures(), thresholds)
        for key in sorted(keys, key=lambda k: (k[2], k[0], k[1]))
    ]


def _row(instance_id, key, interval_ms, f: Figures, thresholds) -> dict:
    queue_id, channel, start = key
    row = {
        "instance_id": instance_id,
        "queue_id": queue_id,
        "channel": channel,
        "interval_start": iso(start),
        "interval_end": iso(start + interval_ms),
        "contacts_offered": f.contacts_queued_by_enqueue,
        "contacts_queued": f.contacts_queued,
        "contacts_handled": f.contacts_handled,
        "contacts_handled_outbound": f.contacts_handled_outbound,
        "contacts_answered": f.contacts_answered,
        "contacts_abandoned": f.contacts_abandoned,
        "contacts_transferred_out": f.contacts_transferred_out,
        "contacts_put_on_hold": f.contacts_put_on_hold,
        "handle_time_seconds": f.handle_ms / MS,
        "talk_time_seconds": f.talk_ms / MS,
        "hold_time_seconds": f.hold_ms / MS,
        "after_contact_work_seconds": f.acw_ms / MS,
        "queue_answer_time_seconds": f.queue_answer_ms / MS,
        "abandon_time_seconds": f.abandon_ms / MS,
        "max_queued_seconds": f.max_queued_ms / MS,
    }
    for threshold in thresholds:
        row[f"contacts_answered_in_{threshold}s"] = f.answered_within(threshold)
    return row


def agent_activity(world: World, instance_id: str, start_ms: int, end_ms: int,
                   interval_minutes: int = 15) -> list[dict]:
    """One row per agent × interval in which the agent was logged in or had a contact
    figure, with what GetMetricDataV2 grouped by AGENT gives once final: the
    agent-activity-driven seconds split by when they happened (`agent_activity.py`:
    `online_seconds`, `idle_seconds`, `on_contact_seconds`, `non_productive_seconds`,
    `error_status_seconds`), and by the contact record's disconnect
    (`after_contact_work_seconds`, SUM_AFTER_CONTACT_WORK_TIME; `agent_non_response`, which
    the simulator counts with the record, see metrics.py). Intervals must be whole."""
    interval_ms = interval_minutes * 60 * MS
    if start_ms % interval_ms or end_ms % interval_ms:
        raise ValueError("start and end must fall on interval boundaries")
    world.sync()
    bounds = [(t, t + interval_ms) for t in range(start_ms, end_ms, interval_ms)]
    figures = attribute_activity(world.agent_activity(instance_id, start_ms, end_ms),
                                 lambda user_id, _t: user_id, bounds)
    records = attribute(world.segments_for_window(instance_id, start_ms, end_ms),
                        lambda seg: seg.agent_user_id, fixed_intervals(interval_ms, start_ms, end_ms),
                        world.visible_ms, as_of_ms=None)
    for key, record in records.items():
        figures.setdefault(key, Figures()).merge(record)
    return [
        {"instance_id": instance_id, "agent_id": user_id, "interval_start": iso(t),
         "interval_end": iso(t + interval_ms),
         "online_seconds": f.online_ms / MS, "idle_seconds": f.idle_ms / MS,
         "on_contact_seconds": f.contact_ms / MS, "non_productive_seconds": f.non_productive_ms / MS,
         "error_status_seconds": f.error_status_ms / MS, "after_contact_work_seconds": f.acw_ms / MS,
         "agent_non_response": f.contacts_missed}
        for (user_id, t), f in sorted(figures.items(), key=lambda item: (item[0][1], item[0][0]))
    ]


def state_timeline(world: World, instance_id: str, start_ms: int, end_ms: int,
                   user_id: str | None = None) -> list[StatePeriod]:
    """True state periods clipped to [start_ms, end_ms); the open one ends at end_ms."""
    world.sync()
    clipped = []
    for period in world.state_periods(instance_id, user_id):
        period_end = period.end_ms if period.end_ms is not None else max(world.now_ms, period.start_ms)
        lo, hi = max(period.start_ms, start_ms), min(period_end, end_ms)
        if lo < hi:
            clipped.append(_replace_times(period, lo, hi))
    return clipped


def _replace_times(period: StatePeriod, start_ms: int, end_ms: int) -> StatePeriod:
    fields = {name: getattr(period, name) for name in StatePeriod.__slots__}
    fields.update(start_ms=start_ms, end_ms=end_ms)
    return StatePeriod(**fields)


def seconds_per_interval(periods: Iterable[StatePeriod], interval_minutes: int = 15) -> dict[tuple, float]:
    """Seconds per (user_id, interval_start_ms, activity, status_name), periods split exactly."""
    interval_ms = interval_minutes * 60 * MS
    out: dict[tuple, float] = defaultdict(float)
    for p in periods:
        t = p.start_ms
        while t < p.end_ms:
            boundary = t - t % interval_ms + interval_ms
            piece_end = min(boundary, p.end_ms)
            out[(p.user_id, boundary - interval_ms, p.activity, p.status_name)] += (piece_end - t) / MS
            t = piece_end
    return dict(out)


def schedule(world: World, instance_id: str, start_ms: int, end_ms: int) -> list[ScheduledActivity]:
    """The shift plan the simulated agents were following (an example WFM schedule)."""
    world.sync()
    return sorted(
        (s for s in world.schedule() if s.instance_id == instance_id and s.end_ms > start_ms
         and s.start_ms < end_ms),
        key=lambda s: (s.user_id, s.start_ms),
    )
