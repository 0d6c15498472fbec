"""GetMetricDataV2: rows per group and reporting interval.

A row exists only for a group with at least one contact counted in the interval — enqueued
in it, or ended in it (metrics.py's attribution) — or, when the request asks for an
agent-activity metric (SUM_ONLINE_TIME_AGENT, SUM_IDLE_TIME_AGENT, SUM_CONTACT_TIME_AGENT,
SUM_NON_PRODUCTIVE_TIME_AGENT, SUM_ERROR_STATUS_TIME_AGENT: agent_activity.py), with an
agent of the group logged in during the interval, as Connect omits empty intervals (the tap
densifies). Contact figures go to the agent who took the contact, with its configuration
then; activity time to the agent's configuration at the moment (a routing profile changed
mid-interval splits the agent's time between the two). Activity metrics take the AGENT,
ROUTING_PROFILE and hierarchy groupings and filters only (botocore's "Valid groupings and
filters", checked for every metric). Groupings QUEUE, CHANNEL, INITIATION_METHOD,
ROUTING_PROFILE, AGENT and AGENT_HIERARCHY_LEVEL_* group; any other valid grouping is a
contact attribute the simulation does not model, so no contact has a value for it and no
row is returned (Connect requires every dimension of a row to have a value).
MetricInterval is returned when the request gives an Interval; without one Connect
aggregates over the whole window (TOTAL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..agent_activity import ACTIVITY_METRICS, attribute_activity
from ..metrics import Figures, listed_intervals
from ..model import ContactSegment, Directory, Instance
from .context import Call
from .dimensions import SegmentDimensions
from .errors import invalid_parameter
from .historical import GroupKey, MethodFilter, figures_per_method_filter
from .measures import MEASURES, Measure, Threshold
from .resources import instance_of_resource_arn, resource_id
from .time_windows import intervals
from .v2_catalog import (
    AUTHORIZING_FILTER_KEYS,
    CHANNEL_VALUES,
    HIERARCHY_KEYS,
    RESOURCE_KEYS,
    UNCOUNTED_FILTER_KEYS,
    filter_keys,
    grouping_keys,
    metric_specs,
)
from .wire import epoch_seconds, value_or_absent

DAY_MS = 86_400_000
LOOKBACK_MS = 93 * DAY_MS  # "about 3 months"
SHORT_PERIODS = frozenset({"FIFTEEN_MIN", "THIRTY_MIN", "HOUR"})
SHORT_PERIOD_SPAN_MS = 3 * DAY_MS
LONG_PERIOD_SPAN_MS = 35 * DAY_MS
MAX_FILTER_VALUES = 100
MAX_SERVICE_LEVEL_METRICS = 20
MAX_THRESHOLD_S = 604_800
SUPPORTED_METRIC_FILTER_KEYS = frozenset({"INITIATION_METHOD"})
_ARN_KIND = {"QUEUE": "queue", "ROUTING_PROFILE": "routing-profile", "AGENT": "agent",
             **dict.fromkeys(HIERARCHY_KEYS, "agent-group")}

Document = dict[str, Any]
SegmentTest = Callable[[ContactSegment], bool]
AgentTest = Callable[[str, int], bool]  # (user id, moment)


@dataclass(frozen=True, slots=True)
class RequestedMetric:
    echo: Document  # the metric as the request gave it; each datum names it back
    measure: Measure | None  # None: a valid metric the simulation has no figure for
    threshold: Threshold | None
    methods: MethodFilter | None


def _zone(interval: Document) -> ZoneInfo:
    name = interval.get("TimeZone") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid_parameter(f"TimeZone {name} is not a valid time zone") from exc


def _check_window(start_ms: int, end_ms: int, period: str, now_ms: int) -> None:
    if end_ms <= start_ms:
        raise invalid_parameter("EndTime must be later than StartTime")
    if end_ms > now_ms:
        raise invalid_parameter("EndTime cannot be later than the current time")
    if start_ms < now_ms - LOOKBACK_MS:
        raise invalid_parameter("StartTime cannot be earlier than 3 months before the current "
                                "time")
    short = period in SHORT_PERIODS
    limit = SHORT_PERIOD_SPAN_MS if short else LONG_PERIOD_SPAN_MS
    if end_ms - start_ms >= limit:
        days = limit // DAY_MS
        raise invalid_parameter(f"The difference between StartTime and EndTime must be less "
                                f"than {days} days for IntervalPeriod {period}")


def _filter_test(key: str, condition: Document, instance: Instance,
                 value_of: Callable[..., str | None]) -> Callable[..., bool]:
    """A filter condition as a test of what `value_of(key, *item)` gives for an item (a
    segment, or an agent at a moment)."""
    values = condition.get("FilterValues") or []
    if (condition.get("StringCondition") or {}).get("Comparison") == "NOT_EXISTS":
        if values:
            raise invalid_parameter("FilterValues must be empty when StringCondition is "
                                    "NOT_EXISTS")
        return lambda *item: value_of(key, *item) is None
    if not values:
        raise invalid_parameter(f"FilterValues for FilterKey {key} must not be empty")
    if key == "CHANNEL" and not set(values) <= CHANNEL_VALUES:
        raise invalid_parameter("VOICE, CHAT, TASK and EMAIL are the valid filter values for "
                                "the CHANNEL filter key")
    kind = _ARN_KIND.get(key)
    wanted = {resource_id(instance, value, kind) if kind else value for value in values}
    return lambda *item: value_of(key, *item) in wanted


def _refuse_agent_queues(filters: list[Document], directory: Directory, instance: Instance) -> None:
    """GetMetricDataV2 "does not support agent queues" (docs/aws-sources.md §5;
    https://docs.aws.amazon.com/connect/latest/APIReference/API_GetMetricDataV2.html)."""
    agent_queues = {ref for q in directory.queues_of(instance.id) if q.queue_type == "AGENT"
                    for ref in (q.id, q.arn)}
    for condition in filters:
        if condition.get("FilterKey") != "QUEUE":
            continue
        for value in condition.get("FilterValues") or ():
            if value in agent_queues:
                raise invalid_parameter(f"GetMetricDataV2 does not support agent queues: {value} is an "
                                        "agent queue; filter by standard queues, or by AGENT for an agent's "
                                        "contacts")


def _segment_test(filters: list[Document], instance: Instance,
                  dimensions: SegmentDimensions) -> SegmentTest:
    valid_keys = filter_keys()
    for condition in filters:
        if condition.get("FilterKey") not in valid_keys:
            raise invalid_parameter(f"FilterKey {condition.get('FilterKey')} is not valid")
    keys = [condition["FilterKey"] for condition in filters]
    if not AUTHORIZING_FILTER_KEYS & set(keys):
        raise invalid_parameter(
            "At least one filter must be passed from queues, routing profiles, agents, or user "
            "hierarchy groups"
        )
    counted = sum(len(c.get("FilterValues") or []) for c in filters
                  if c["FilterKey"] not in UNCOUNTED_FILTER_KEYS)
    if counted > MAX_FILTER_VALUES:
        raise invalid_parameter("You can use up to 100 filter values across all filter keys; "
                                f"the request has {counted}")
    tests = [_filter_test(c["FilterKey"], c, instance, dimensions.value) for c in filters]
    return lambda segment: all(test(segment) for test in tests)


def _agent_test(filters: list[Document], instance: Instance, dimensions: SegmentDimensions) -> AgentTest:
    """The request's filters as a test of an agent at a moment (checked by _segment_test)."""
    tests = [_filter_test(c["FilterKey"], c, instance, dimensions.agent_value) for c in filters]
    return lambda user_id, t_ms: all(test(user_id, t_ms) for test in tests)


def _check_groupings(groupings: list[str]) -> None:
    valid = grouping_keys()
    for grouping in groupings:
        if grouping not in valid:
            raise invalid_parameter(f"Grouping {grouping} is not valid")


def _threshold(name: str, metric: Document, comparisons: frozenset[str]) -> Threshold | None:
    if not comparisons:
        return None
    thresholds = metric.get("Threshold") or []
    if not thresholds or thresholds[0].get("ThresholdValue") is None:
        raise invalid_parameter(f"You must specify a Threshold when you retrieve {name} metrics")
    comparison = thresholds[0].get("Comparison")
    value = thresholds[0]["ThresholdValue"]
    if comparison not in comparisons:
        raise invalid_parameter(f"Comparison {comparison} is not valid for {name}; use "
                                + " or ".join(sorted(comparisons)))
    if value != int(value) or not 1 <= value <= MAX_THRESHOLD_S:
        raise invalid_parameter("ThresholdValue must be a whole number from 1 to 604800")
    return Threshold(comparison, float(value))


def _method_filter(name: str, metric: Document) -> MethodFilter | None:
    metric_filters = metric.get("MetricFilters") or []
    for metric_filter in metric_filters:
        if metric_filter.get("MetricFilterKey") not in SUPPORTED_METRIC_FILTER_KEYS:
            raise invalid_parameter(f"MetricFilterKey {metric_filter.get('MetricFilterKey')} is "
                                    f"not valid for metric {name}")
    if not metric_filters:
        return None
    chosen = metric_filters[0]
    return MethodFilter(frozenset(chosen.get("MetricFilterValues") or ()),
                        bool(chosen.get("Negate")))


def _requested_metric(metric: Document, request_keys: set[str]) -> RequestedMetric:
    name = metric.get("Name")
    if not name:
        raise invalid_parameter("Each metric needs a Name; custom metrics (MetricId) are not "
                                "available on this instance")
    spec = metric_specs().get(name)
    if spec is None:
        raise invalid_parameter(f"The metric name {name} is not valid")
    if spec.resource_keys is not None:
        refused = sorted((request_keys & RESOURCE_KEYS) - spec.resource_keys)
        if refused:
            raise invalid_parameter(f"The metric {name} does not support the grouping or "
                                    f"filter {refused[0]}")
    if name in ACTIVITY_METRICS and metric.get("MetricFilters"):
        raise invalid_parameter(f"MetricFilters are not valid for metric {name}")
    return RequestedMetric(
        metric, MEASURES.get(name), _threshold(name, metric, spec.threshold_comparisons),
        _method_filter(name, metric),
    )


def _dimension_document(key: GroupKey, groupings: list[str],
                        dimensions: SegmentDimensions) -> Document:
    document: Document = {}
    for grouping, value in zip(groupings, key, strict=True):
        document[grouping] = value
        arn = dimensions.arn(grouping, value)
        if arn:
            document[f"{grouping}_ARN"] = arn
    return document


def _datum(metric: RequestedMetric, figures: Figures) -> Document:
    value = metric.measure(figures, metric.threshold) if metric.measure else None
    return {"Metric": metric.echo, **value_or_absent(value)}


def _add_activity(figures: dict, call: Call, instance: Instance, dimensions: SegmentDimensions,
                  groupings: list[str], bounds: list[tuple[int, int]], start_ms: int, end_ms: int) -> None:
    """Each group's agent-activity time (agent_activity.py), as of the call, into `figures`."""
    keep = _agent_test(call.params["Filters"], instance, dimensions)

    def group_of(user_id: str, t_ms: int) -> tuple[str, ...] | None:
        if not keep(user_id, t_ms):
            return None
        key = tuple(dimensions.agent_value(grouping, user_id, t_ms) for grouping in groupings)
        return None if None in key else key  # type: ignore[return-value]

    pieces = call.world.agent_activity(instance.id, start_ms, end_ms, as_of_ms=call.now_ms)
    for key, activity in attribute_activity(pieces, group_of, bounds, dimensions.version_changes).items():
        figures.setdefault(key, Figures()).merge(activity)


def get_metric_data_v2(call: Call) -> Document:
    params = call.params
    instance = instance_of_resource_arn(call)
    interval = params.get("Interval")
    period = (interval or {}).get("IntervalPeriod") or "TOTAL"
    zone = _zone(interval or {})
    start_ms, end_ms = params["StartTime"], params["EndTime"]
    _check_window(start_ms, end_ms, period, call.now_ms)
    dimensions = SegmentDimensions(call.directory, instance)
    keep = _segment_test(params["Filters"], instance, dimensions)
    _refuse_agent_queues(params["Filters"], call.directory, instance)
    groupings = list(dict.fromkeys(params.get("Groupings") or ()))
    _check_groupings(groupings)
    if not params["Metrics"]:
        raise invalid_parameter("Metrics must contain at least one metric")
    request_keys = set(groupings) | {c["FilterKey"] for c in params["Filters"]}
    metrics = [_requested_metric(metric, request_keys) for metric in params["Metrics"]]
    if sum(1 for m in metrics if m.echo["Name"] == "SERVICE_LEVEL") > MAX_SERVICE_LEVEL_METRICS:
        raise invalid_parameter("You can include up to 20 SERVICE_LEVEL metrics in a request")

    def group_of(segment: ContactSegment) -> GroupKey | None:
        key = tuple(dimensions.value(grouping, segment) for grouping in groupings)
        return None if None in key else key  # type: ignore[return-value]

    def rows() -> list[Document]:
        bounds = list(intervals(start_ms, end_ms, period, zone))
        ends = dict(bounds)
        segments = [s for s in call.world.segments_for_window(instance.id, start_ms, end_ms)
                    if keep(s)]
        # every figure in the interval metrics.py attributes it to (enqueue or disconnect)
        figures = figures_per_method_filter(
            segments, group_of, (m.methods for m in metrics), listed_intervals(bounds),
            call.world.visible_ms, call.now_ms,
        )
        if any(m.echo["Name"] in ACTIVITY_METRICS for m in metrics):
            _add_activity(figures[None], call, instance, dimensions, groupings, bounds, start_ms, end_ms)
        out = []
        for key, lo in sorted(figures[None], key=lambda row_key: (row_key[1], row_key[0])):
            row: Document = {"Dimensions": _dimension_document(key, groupings, dimensions)}
            if interval is not None:
                row["MetricInterval"] = {
                    "Interval": period,
                    "StartTime": epoch_seconds(lo),
                    "EndTime": epoch_seconds(ends[lo]),
                }
            row["Collections"] = [
                _datum(m, figures[m.methods].get((key, lo), Figures())) for m in metrics
            ]
            out.append(row)
        return out

    page = call.pages.paginate(call.operation, params, call.now_ms, rows)
    return page.answer({"MetricResults": page.items})
