"""Which Connect metrics each API is asked for, and how they become the stream's columns.

queue_interval_metrics holds counts and sums (seconds), so 15-minute rows roll up to hours,
days and weeks exactly. Where an API only gives an average, the average is kept next to
its denominator and the sum is derived as average x denominator (rounded to milliseconds).

Attribution (AWS, docs/aws-sources.md §8; archive `historical-metrics.md`,
https://docs.aws.amazon.com/connect/latest/adminguide/historical-metrics.html): Connect
puts a contact-record-driven metric in the interval holding the contact record's
*disconnect* time (a contact from 05:23 to 06:15 counts in 06:00). Only
CONTACTS_QUEUED_BY_ENQUEUE (V2) counts a contact in the interval it was enqueued in, which
is the volume a forecaster needs; V1 has no such metric.

| column | v2 (GetMetricDataV2) | v1 (GetMetricData) | interval |
|---|---|---|---|
| contacts_offered | CONTACTS_QUEUED_BY_ENQUEUE | CONTACTS_QUEUED | v2: enqueue; v1: disconnect |
| contacts_queued | CONTACTS_QUEUED | CONTACTS_QUEUED | disconnect |
| contacts_handled | CONTACTS_HANDLED (inbound, transfers, outbound) | CONTACTS_HANDLED | disconnect |
| contacts_handled_outbound | CONTACTS_HANDLED, MetricFilters INITIATION_METHOD = OUTBOUND | CONTACTS_HANDLED_OUTBOUND | disconnect |
| contacts_answered | SUM_CONTACTS_ANSWERED_IN_X (LTE 604800) | CONTACTS_HANDLED - CONTACTS_HANDLED_OUTBOUND (approx.) | disconnect |
| contacts_abandoned | CONTACTS_ABANDONED | CONTACTS_ABANDONED | disconnect |
| contacts_transferred_out | CONTACTS_TRANSFERRED_OUT | CONTACTS_TRANSFERRED_OUT | disconnect |
| contacts_put_on_hold | CONTACTS_PUT_ON_HOLD | null (no such V1 metric) | disconnect |
| contacts_answered_in_threshold(s) | SUM_CONTACTS_ANSWERED_IN_X (LT) | null (V1 only has SERVICE_LEVEL %) | disconnect |
| handle_time_seconds | SUM_HANDLE_TIME | HANDLE_TIME (avg) x handled | disconnect |
| talk_time_seconds | SUM_INTERACTION_TIME | INTERACTION_TIME (avg) x handled | disconnect |
| hold_time_seconds | SUM_HOLD_TIME | (INTERACTION_AND_HOLD_TIME - INTERACTION_TIME) (avg) x handled | disconnect |
| after_contact_work_seconds | SUM_AFTER_CONTACT_WORK_TIME | AFTER_CONTACT_WORK_TIME (avg) x handled | disconnect |
| avg_queue_answer_time_seconds | AVG_QUEUE_ANSWER_TIME | QUEUE_ANSWER_TIME (avg) | disconnect |
| queue_answer_time_seconds | derived: avg x contacts_answered | derived: avg x contacts_answered | disconnect |
| avg_abandon_time_seconds | AVG_ABANDON_TIME | ABANDON_TIME (avg) | disconnect |
| abandon_time_seconds | derived: avg x contacts_abandoned | derived: avg x contacts_abandoned | disconnect |
| max_queued_seconds | MAX_QUEUED_TIME | QUEUED_TIME (max) | disconnect |

contacts_answered is the denominator of the queue answer time: contacts queued and then
answered by an agent. CONTACTS_HANDLED is not (it adds outbound calls, which never queue;
docs/aws-sources.md §8, QUEUE_ANSWER_TIME). V2 counts them as "answered within 604800 s"
(the documented maximum threshold: within a week = every answered contact). V1 has no
such count: handled minus handled outbound also counts CALLBACK and API contacts handled
(in neither INCOMING nor OUTBOUND), so on queues with those it is an over-count.

Several V2 collections share a metric Name (CONTACTS_HANDLED plain and filtered;
SUM_CONTACTS_ANSWERED_IN_X with several thresholds): a result is matched to its column by
the whole Metric Connect echoes back (name, thresholds, metric filters).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

COUNT_COLUMNS = ("contacts_offered", "contacts_queued", "contacts_handled",
                 "contacts_handled_outbound", "contacts_answered", "contacts_abandoned",
                 "contacts_transferred_out", "contacts_put_on_hold")
SUM_COLUMNS = ("handle_time_seconds", "talk_time_seconds", "hold_time_seconds",
               "after_contact_work_seconds", "queue_answer_time_seconds",
               "abandon_time_seconds", "max_queued_seconds")
AVERAGE_COLUMNS = ("avg_queue_answer_time_seconds", "avg_abandon_time_seconds")

ANSWERED_IN_X = "SUM_CONTACTS_ANSWERED_IN_X"
# The largest ThresholdValue GetMetricDataV2 accepts (botocore GetMetricDataV2Request.Metrics:
# "Threshold: For ThresholdValue, enter any whole number from 1 to 604800 (inclusive)").
MAX_THRESHOLD_S = 604_800

MetricFilter = tuple[str, tuple[str, ...], bool]  # MetricFilterKey, MetricFilterValues, Negate


@dataclass(frozen=True)
class V2Metric:
    """One metric of the GetMetricDataV2 request and the column its value fills."""

    name: str
    column: str
    threshold: tuple[str, float] | None = None  # Comparison, ThresholdValue
    metric_filters: tuple[MetricFilter, ...] = ()

    def request(self) -> dict[str, Any]:
        metric: dict[str, Any] = {"Name": self.name}
        if self.threshold:
            comparison, value = self.threshold
            metric["Threshold"] = [{"Comparison": comparison, "ThresholdValue": float(value)}]
        if self.metric_filters:
            metric["MetricFilters"] = [
                {"MetricFilterKey": key, "MetricFilterValues": list(values), "Negate": negate}
                for key, values, negate in self.metric_filters
            ]
        return metric


def metric_identity(metric: Mapping[str, Any]) -> tuple:
    """What tells a requested metric from another of the same Name, as the request gives it
    and as Connect echoes it back in each collection's Metric: the name, the thresholds and
    the metric filters (Negate defaults to false)."""
    thresholds = tuple(
        (t.get("Comparison"), float(t["ThresholdValue"]) if t.get("ThresholdValue") is not None else None)
        for t in metric.get("Threshold") or ()
    )
    filters = tuple(sorted(
        (f.get("MetricFilterKey"), tuple(sorted(f.get("MetricFilterValues") or ())), bool(f.get("Negate")))
        for f in metric.get("MetricFilters") or ()
    ))
    return metric.get("Name"), thresholds, filters


# Each V2 metric asked for (besides one SUM_CONTACTS_ANSWERED_IN_X LT X per configured threshold).
V2_METRICS = (
    V2Metric("CONTACTS_QUEUED_BY_ENQUEUE", "contacts_offered"),
    V2Metric("CONTACTS_QUEUED", "contacts_queued"),
    V2Metric("CONTACTS_HANDLED", "contacts_handled"),
    # CONTACTS_HANDLED_OUTBOUND in V2 terms (docs/aws-sources.md §8; botocore MetricFilterV2)
    V2Metric("CONTACTS_HANDLED", "contacts_handled_outbound",
             metric_filters=(("INITIATION_METHOD", ("OUTBOUND",), False),)),
    V2Metric(ANSWERED_IN_X, "contacts_answered", threshold=("LTE", float(MAX_THRESHOLD_S))),
    V2Metric("CONTACTS_ABANDONED", "contacts_abandoned"),
    V2Metric("CONTACTS_TRANSFERRED_OUT", "contacts_transferred_out"),
    V2Metric("CONTACTS_PUT_ON_HOLD", "contacts_put_on_hold"),
    V2Metric("SUM_HANDLE_TIME", "handle_time_seconds"),
    V2Metric("SUM_INTERACTION_TIME", "talk_time_seconds"),
    V2Metric("SUM_HOLD_TIME", "hold_time_seconds"),
    V2Metric("SUM_AFTER_CONTACT_WORK_TIME", "after_contact_work_seconds"),
    V2Metric("MAX_QUEUED_TIME", "max_queued_seconds"),
    V2Metric("AVG_QUEUE_ANSWER_TIME", "avg_queue_answer_time_seconds"),
    V2Metric("AVG_ABANDON_TIME", "avg_abandon_time_seconds"),
)

# V1: name → (statistic, unit).
V1_METRICS = {
    "CONTACTS_QUEUED": ("SUM", "COUNT"),
    "CONTACTS_HANDLED": ("SUM", "COUNT"),
    "CONTACTS_HANDLED_OUTBOUND": ("SUM", "COUNT"),
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


def _answered_within(threshold: int) -> V2Metric:
    return V2Metric(ANSWERED_IN_X, str(threshold), threshold=("LT", float(threshold)))


def v2_request_metrics(thresholds: Sequence[int]) -> list[dict[str, Any]]:
    return [m.request() for m in V2_METRICS] + [_answered_within(t).request() for t in thresholds]


def v1_request_metrics() -> list[dict[str, Any]]:
    return [{"Name": name, "Statistic": stat, "Unit": unit}
            for name, (stat, unit) in V1_METRICS.items()]


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _times(average: float | None, count: int) -> float:
    return 0.0 if not count or average is None else round(float(average) * count, 3)


def empty_figures(thresholds: Sequence[int], api_version: str) -> dict[str, Any]:
    """The figures of an interval without traffic (the API sends no row for it): 0 for
    counts and sums, null for averages and for what the API cannot give."""
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
    columns = {metric_identity(m.request()): m.column for m in V2_METRICS}
    per_threshold = {metric_identity(_answered_within(t).request()): str(t) for t in thresholds}
    raw: dict[str, float | None] = {}
    for metric, value in _values(collections):
        identity = metric_identity(metric)
        if identity in per_threshold:
            row["contacts_answered_in_thresholds"][per_threshold[identity]] = int(value or 0)
            continue
        column = columns.get(identity)
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
    row["queue_answer_time_seconds"] = _times(raw.get("avg_queue_answer_time_seconds"),
                                              row["contacts_answered"])
    row["abandon_time_seconds"] = _times(raw.get("avg_abandon_time_seconds"), row["contacts_abandoned"])
    return row


def figures_from_v1(collections: Iterable[dict[str, Any]], thresholds: Sequence[int]) -> dict[str, Any]:
    row = empty_figures(thresholds, "v1")
    got = {metric.get("Name"): value for metric, value in _values(collections)}
    for name, column in (("CONTACTS_QUEUED", "contacts_offered"), ("CONTACTS_QUEUED", "contacts_queued"),
                         ("CONTACTS_HANDLED", "contacts_handled"),
                         ("CONTACTS_HANDLED_OUTBOUND", "contacts_handled_outbound"),
                         ("CONTACTS_ABANDONED", "contacts_abandoned"),
                         ("CONTACTS_TRANSFERRED_OUT", "contacts_transferred_out")):
        row[column] = int(got.get(name) or 0)
    handled, abandoned = row["contacts_handled"], row["contacts_abandoned"]
    # approximate: CALLBACK and API contacts handled are in neither INCOMING nor OUTBOUND
    row["contacts_answered"] = answered = max(0, handled - row["contacts_handled_outbound"])
    row["handle_time_seconds"] = _times(got.get("HANDLE_TIME"), handled)
    row["talk_time_seconds"] = _times(got.get("INTERACTION_TIME"), handled)
    talk_and_hold = got.get("INTERACTION_AND_HOLD_TIME")
    talk = got.get("INTERACTION_TIME")
    row["hold_time_seconds"] = (
        round(_times(talk_and_hold, handled) - _times(talk, handled), 3) if talk_and_hold is not None else 0.0
    )
    row["after_contact_work_seconds"] = _times(got.get("AFTER_CONTACT_WORK_TIME"), handled)
    row["avg_queue_answer_time_seconds"] = _seconds(got.get("QUEUE_ANSWER_TIME"))
    row["queue_answer_time_seconds"] = _times(got.get("QUEUE_ANSWER_TIME"), answered)
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
