"""Metric values computed from `metrics.Figures`, named with GetMetricDataV2's metric names.

Times are in seconds. An average whose denominator is 0 has no value (None), as Connect
answers null "when the calculation cannot be performed due to divide by zero". The V1 API
maps its metric names onto these, so V1 and V2 agree by construction.

Queue-wait figures are over contacts answered from the queue (`Figures.contacts_answered`),
not over CONTACTS_HANDLED, which also counts outbound calls that never queued
(docs/aws-sources.md §8: QUEUE_ANSWER_TIME / AVG_QUEUE_ANSWER_TIME, CONTACTS_HANDLED).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..agent_activity import ACTIVITY_METRICS
from ..metrics import Figures


@dataclass(frozen=True, slots=True)
class Threshold:
    comparison: str  # LT | LTE
    seconds: float

    def count_within(self, waits_ms: list[int]) -> int:
        limit = self.seconds * 1000
        if self.comparison == "LTE":
            return sum(1 for wait in waits_ms if wait <= limit)
        return sum(1 for wait in waits_ms if wait < limit)


Measure = Callable[[Figures, Threshold | None], float | None]


def _count(attribute: str) -> Measure:
    return lambda figures, _: float(getattr(figures, attribute))


def _sum_seconds(*attributes: str) -> Measure:
    return lambda figures, _: sum(getattr(figures, a) for a in attributes) / 1000


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return None if denominator == 0 else numerator * scale / denominator


def _average_seconds(attributes: tuple[str, ...], denominator: str) -> Measure:
    return lambda figures, _: _ratio(
        sum(getattr(figures, a) for a in attributes) / 1000, getattr(figures, denominator)
    )


def _max_queued(figures: Figures, _: Threshold | None) -> float | None:
    finished = figures.contacts_answered + figures.contacts_abandoned  # queued contacts only
    return figures.max_queued_ms / 1000 if finished else None


def _answered_within(figures: Figures, threshold: Threshold | None) -> float | None:
    assert threshold is not None
    return float(threshold.count_within(figures.answer_waits_ms))


def _abandoned_within(figures: Figures, threshold: Threshold | None) -> float | None:
    assert threshold is not None
    return float(threshold.count_within(figures.abandon_waits_ms))


def _service_level(figures: Figures, threshold: Threshold | None) -> float | None:
    """Contacts removed from the queue within X (answered or abandoned) per contact removed
    from the queue, in percent: Connect's "Service level X"."""
    assert threshold is not None
    within = threshold.count_within(figures.answer_waits_ms) + threshold.count_within(
        figures.abandon_waits_ms
    )
    return _ratio(within, figures.contacts_answered + figures.contacts_abandoned, 100.0)


def _abandonment_rate(figures: Figures, _: Threshold | None) -> float | None:
    return _ratio(figures.contacts_abandoned, figures.contacts_queued, 100.0)


def never_happens(_: Figures, __: Threshold | None) -> float | None:
    """A count of something the simulation never does (hold abandons, consults ...): 0."""
    return 0.0


MEASURES: dict[str, Measure] = {
    "CONTACTS_QUEUED": _count("contacts_queued"),
    "CONTACTS_QUEUED_BY_ENQUEUE": _count("contacts_queued_by_enqueue"),
    "CONTACTS_HANDLED": _count("contacts_handled"),
    "CONTACTS_ABANDONED": _count("contacts_abandoned"),
    "CONTACTS_TRANSFERRED_OUT": _count("contacts_transferred_out"),
    "CONTACTS_PUT_ON_HOLD": _count("contacts_put_on_hold"),
    "CONTACTS_HOLD_ABANDONS": never_happens,
    "AGENT_NON_RESPONSE": _count("contacts_missed"),
    "SUM_CONTACTS_ANSWERED_IN_X": _answered_within,
    "SUM_CONTACTS_ABANDONED_IN_X": _abandoned_within,
    "SERVICE_LEVEL": _service_level,
    "ABANDONMENT_RATE": _abandonment_rate,
    "SUM_HANDLE_TIME": _sum_seconds("handle_ms"),
    "SUM_AFTER_CONTACT_WORK_TIME": _sum_seconds("acw_ms"),
    "SUM_HOLD_TIME": _sum_seconds("hold_ms"),
    "SUM_INTERACTION_TIME": _sum_seconds("talk_ms"),
    "SUM_INTERACTION_AND_HOLD_TIME": _sum_seconds("talk_ms", "hold_ms"),
    "SUM_CONNECTING_TIME_AGENT": _sum_seconds("connecting_ms"),
    "MAX_QUEUED_TIME": _max_queued,
    "AVG_QUEUE_ANSWER_TIME": _average_seconds(("queue_answer_ms",), "contacts_answered"),
    "AVG_TALK_TIME": _average_seconds(("talk_ms",), "contacts_handled"),
    "AVG_INTERACTION_TIME": _average_seconds(("talk_ms",), "contacts_handled"),
    "AVG_INTERACTION_AND_HOLD_TIME": _average_seconds(("talk_ms", "hold_ms"), "contacts_handled"),
    "AVG_HANDLE_TIME": _average_seconds(("handle_ms",), "contacts_handled"),
    "AVG_AFTER_CONTACT_WORK_TIME": _average_seconds(("acw_ms",), "contacts_handled"),
    "AVG_AGENT_CONNECTING_TIME": _average_seconds(("connecting_ms",), "contacts_handled"),
    "AVG_HOLD_TIME": _average_seconds(("hold_ms",), "contacts_put_on_hold"),
    "AVG_HOLD_TIME_ALL_CONTACTS": _average_seconds(("hold_ms",), "contacts_handled"),
    "AVG_ABANDON_TIME": _average_seconds(("abandon_ms",), "contacts_abandoned"),
    # agent-activity-driven time (agent_activity.py): by when it happened, per agent
    **{name: _sum_seconds(field) for name, field in ACTIVITY_METRICS.items()},
}

THRESHOLD_MEASURES = frozenset({"SUM_CONTACTS_ANSWERED_IN_X", "SUM_CONTACTS_ABANDONED_IN_X",
                                "SERVICE_LEVEL"})
