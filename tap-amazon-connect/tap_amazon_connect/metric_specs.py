"""Which Connect metrics each API is asked for, and how they become the stream's columns.

queue_interval_metrics holds counts and sums (seconds), so 15-minute rows roll up to hours,
days and weeks exactly. Where an API only gives an average, the average is kept next to
its denominator and the sum is derived as average x denominator (rounded to milliseconds):

| column | v2 (GetMetricDataV2) | v1 (GetMetricData) |
|---|---|---|
| contacts_offered | CONTACTS_QUEUED | CONTACTS_QUEUED |
| contacts_handled | CONTACTS_HANDLED | CONTACTS_HANDLED |
| contacts_abandoned | CONTACTS_ABANDONED | CONTACTS_ABANDONED |
| contacts_transferred_out | CONTACTS_TRANSFERRED_OUT | CONTACTS_TRANSFERRED_OUT |
| contacts_put_on_hold | CONTACTS_PUT_ON_HOLD | null (no such V1 metric) |
| contacts_answered_in_threshold(s) | SUM_CONTACTS_ANSWERED_IN_X (LT) | null (V1 only has SERVICE_LEVEL %) |
| handle_time_seconds | SUM_HANDLE_TIME | HANDLE_TIME (avg) x handled |
| talk_time_seconds | SUM_INTERACTION_TIME | INTERACTION_TIME (avg) x handled |
| hold_time_seconds | SUM_HOLD_TIME | (INTERACTION_AND_HOLD_TIME - INTERACTION_TIME) (avg) x handled |
| after_contact_work_seconds | SUM_AFTER_CONTACT_WORK_TIME | AFTER_CONTACT_WORK_TIME (avg) x handled |
| avg_queue_answer_time_seconds | AVG_QUEUE_ANSWER_TIME | QUEUE_ANSWER_TIME (avg) |
| queue_answer_time_seconds | derived: avg x contacts_handled | derived: avg x contacts_handled |
| avg_abandon_time_seconds | AVG_ABANDON_TIME | ABANDON_TIME (avg) |
| abandon_time_seconds | derived: avg x contacts_abandoned | derived: avg x contacts_abandoned |
| max_queued_seconds | MAX_QUEUED_TIME | QUEUED_TIME (max) |
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

COUNT_COLUMNS = ("contacts_offered", "contacts_handled", "contacts_abandoned",
                 "contacts_transferred_out", "contacts_put_on_hold")
SUM_COLUMNS = ("handle_time_seconds", "talk_time_seconds", "hold_time_seconds",
               "after_contact_work_seconds", "queue_answer_time_seconds",
               "abandon_time_seconds", "max_queued_seconds")
AVERAGE_COLUMNS = ("avg_queue_answer_time_seconds", "avg_abandon_time_seconds")

# V2 metric name → column it fills directly.
V2_DIRECT = {
    "CONTACTS_QUEUED": "contacts_offered",
    "CONTACTS_HANDLED": "contacts_handled",
    "CONTACTS_ABANDONED": "contacts_abandoned",
    "CONTACTS_TRANSFERRED_OUT": "contacts_transferred_out",
    "CONTACTS_PUT_ON_HOLD": "contacts_put_on_hold",
    "SUM_HANDLE_TIME": "handle_time_seconds",
    "SUM_INTERACTION_TIME": "talk_time_seconds",
    "SUM_HOLD_TIME": "hold_time_seconds",
    "SUM_AFTER_CONTACT_WORK_TIME": "after_contact_work_seconds",
    "MAX_QUEUED_TIME": "max_queued_seconds",
    "AVG_QUEUE_ANSWER_TIME": "avg_queue_answer_time_seconds",
    "AVG_ABANDON_TIME": "avg_abandon_time_seconds",
}
ANSWERED_IN_X = "SUM_CONTACTS_ANSWERED_IN_X"

# V1: name → (statistic, unit).
V1_METRICS = {
    "CONTACTS_QUEUED": ("SUM", "COUNT"),
    "CONTACTS_HANDLED": ("SUM", "COUNT"),
    "CONTACTS_ABANDONED": ("SUM", "COUNT"),
    "CONTACTS_TRANSFERRED_OUT": ("SUM", "COUNT"),
    "HANDLE_TIME": ("AVG", "SECONDS"),
    "INTERACTION_TIME": ("AVG", "SECONDS"),
    "INTERACTION_AND_HOLD_TIME": ("AVG", "SECONDS"),
    "AFTER_CONTACT_WORK_TIME": ("AVG", "SECONDS"),
    "QUEUE_ANSWER_TIME": ("AVG", "SECONDS"),
    "ABANDON_TIME": ("AVG", "SECONDS"),
    "QUEUED_TIME": ("MAX", "SECONDS"),
}
V1_UNAVAILABLE = ("contacts_put_on_hold", "contacts_answered_in_threshold")


def v2_request_metrics(thresholds: Sequence[int]) -> list[dict[str, Any]]:
    metrics: list[dict[str, Any]] = [{"Name": name} for name in V2_DIRECT]
    metrics += [
        {"Name": ANSWERED_IN_X, "Threshold": [{"Comparison": "LT", "ThresholdValue": float(t)}]}
        for t in thresholds
    ]
    return metrics


def v1_request_metrics() -> list[dict[str, Any]]:
    return [{"Name": name, "Statistic": stat, "Unit": unit}
            for name, (stat, unit) in V1_METRICS.items()]


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _times(average: float | None, count: int) -> float:
    return 0.0 if not count or average is None else round(float(average) * count, 3)


def empty_figures(thresholds: Sequence[int], api_version: str) -> dict[str, Any]:
    """The figures of an interval without traffic (the API sends no row for it)."""
    row: dict[str, Any] = dict.fromkeys(COUNT_COLUMNS, 0)
    row.update(dict.fromkeys(SUM_COLUMNS, 0.0))
    row.update(dict.fromkeys(AVERAGE_COLUMNS))
    row["contacts_answered_in_thresholds"] = {str(t): 0 for t in thresholds}
    if api_version == "v1":
        row["contacts_put_on_hold"] = None
        row["contacts_answered_in_thresholds"] = {str(t): None for t in thresholds}
    return row


def _values(collections: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], float | None]]:
    return [(c.get("Metric") or {}, c.get("Value")) for c in collections]


def figures_from_v2(collections: Iterable[dict[str, Any]], thresholds: Sequence[int]) -> dict[str, Any]:
    row = empty_figures(thresholds, "v2")
    raw: dict[str, float | None] = {}
    for metric, value in _values(collections):
        name = metric.get("Name")
        if name == ANSWERED_IN_X:
            threshold = int((metric.get("Threshold") or [{}])[0].get("ThresholdValue") or 0)
            row["contacts_answered_in_thresholds"][str(threshold)] = int(value or 0)
            continue
        column = V2_DIRECT.get(name or "")
        if column is None:
            continue
        if column in COUNT_COLUMNS:
            row[column] = int(value or 0)
        elif column in AVERAGE_COLUMNS:
            raw[column] = value
            row[column] = _seconds(value)
        else:
            row[column] = _seconds(value) or 0.0
    # derived from the averages as given, not as rounded for their own columns
    row["queue_answer_time_seconds"] = _times(raw.get("avg_queue_answer_time_seconds"), row["contacts_handled"])
    row["abandon_time_seconds"] = _times(raw.get("avg_abandon_time_seconds"), row["contacts_abandoned"])
    return row


def figures_from_v1(collections: Iterable[dict[str, Any]], thresholds: Sequence[int]) -> dict[str, Any]:
    row = empty_figures(thresholds, "v1")
    got = {metric.get("Name"): value for metric, value in _values(collections)}
    for name, column in (("CONTACTS_QUEUED", "contacts_offered"), ("CONTACTS_HANDLED", "contacts_handled"),
                         ("CONTACTS_ABANDONED", "contacts_abandoned"),
                         ("CONTACTS_TRANSFERRED_OUT", "contacts_transferred_out")):
        row[column] = int(got.get(name) or 0)
    handled, abandoned = row["contacts_handled"], row["contacts_abandoned"]
    row["handle_time_seconds"] = _times(got.get("HANDLE_TIME"), handled)
    row["talk_time_seconds"] = _times(got.get("INTERACTION_TIME"), handled)
    talk_and_hold = got.get("INTERACTION_AND_HOLD_TIME")
    talk = got.get("INTERACTION_TIME")
    row["hold_time_seconds"] = (
        round(_times(talk_and_hold, handled) - _times(talk, handled), 3) if talk_and_hold is not None else 0.0
    )
    row["after_contact_work_seconds"] = _times(got.get("AFTER_CONTACT_WORK_TIME"), handled)
    row["avg_queue_answer_time_seconds"] = _seconds(got.get("QUEUE_ANSWER_TIME"))
    row["queue_answer_time_seconds"] = _times(got.get("QUEUE_ANSWER_TIME"), handled)
    row["avg_abandon_time_seconds"] = _seconds(got.get("ABANDON_TIME"))
    row["abandon_time_seconds"] = _times(got.get("ABANDON_TIME"), abandoned)
    row["max_queued_seconds"] = _seconds(got.get("QUEUED_TIME")) or 0.0
    return row


# GetCurrentMetricData: metric → column (OLDEST_CONTACT_AGE in seconds when grouped).
CURRENT_METRICS = {
    "AGENTS_ONLINE": "agents_online",
    "AGENTS_AVAILABLE": "agents_available",
    "AGENTS_ON_CALL": "agents_on_call",
    "AGENTS_ON_CONTACT": "agents_on_contact",
    "AGENTS_STAFFED": "agents_staffed",
    "AGENTS_AFTER_CONTACT_WORK": "contacts_in_after_contact_work",
    "AGENTS_ERROR": "agents_error",
    "AGENTS_NON_PRODUCTIVE": "agents_non_productive",
    "CONTACTS_IN_QUEUE": "contacts_in_queue",
    "OLDEST_CONTACT_AGE": "oldest_contact_age_seconds",
    "CONTACTS_SCHEDULED": "contacts_scheduled",
    "SLOTS_ACTIVE": "slots_active",
    "SLOTS_AVAILABLE": "slots_available",
}
CURRENT_UNITS = {"OLDEST_CONTACT_AGE": "SECONDS"}


def current_request_metrics() -> list[dict[str, str]]:
    return [{"Name": name, "Unit": CURRENT_UNITS.get(name, "COUNT")} for name in CURRENT_METRICS]


def figures_from_current(collections: Iterable[dict[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {column: 0 for column in CURRENT_METRICS.values()}
    row["oldest_contact_age_seconds"] = 0.0
    for metric, value in _values(collections):
        column = CURRENT_METRICS.get(metric.get("Name") or "")
        if column is None:
            continue
        if column == "oldest_contact_age_seconds":
            row[column] = _seconds(value) or 0.0
        else:
            row[column] = int(value or 0)
    return row
