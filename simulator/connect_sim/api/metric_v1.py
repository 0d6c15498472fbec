"""GetMetricData (V1): one total per queue/channel group for the whole request window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..metrics import Figures, listed_intervals
from ..model import ContactSegment, Instance
from .context import Call
from .dimensions import SegmentDimensions
from .errors import invalid_parameter
from .historical import GroupKey, MethodFilter, figures_per_method_filter
from .measures import MEASURES, Measure, Threshold, never_happens
from .resources import instance_of, resource_id
from .wire import value_or_absent

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
BOUNDARY_MS = 5 * MINUTE_MS
LOOKBACK_MS = 24 * HOUR_MS
MAX_SPAN_MS = 24 * HOUR_MS
MAX_THRESHOLD_S = 604_800
MAX_SERVICE_LEVEL_METRICS = 20
SUPPORTED_GROUPINGS = ("QUEUE", "CHANNEL")
# "VOICE, CHAT, and TASK channels are supported" (botocore GetMetricDataRequest.Filters;
# docs/aws-sources.md §4): EMAIL, though in the Channel enum, is refused as by GetCurrentMetricData.
SUPPORTED_CHANNELS = frozenset({"VOICE", "CHAT", "TASK"})

Document = dict[str, Any]

# CONTACTS_HANDLED_INCOMING = CONTACTS_HANDLED of these initiation methods; CALLBACK and API
# contacts are in neither INCOMING nor OUTBOUND (docs/aws-sources.md §8; admin guide
# https://docs.aws.amazon.com/connect/latest/adminguide/historical-metrics-definitions.html).
INCOMING = frozenset({"INBOUND", "TRANSFER", "QUEUE_TRANSFER"})


@dataclass(frozen=True, slots=True)
class V1Metric:
    statistic: str
    unit: str
    measure: Measure | None  # None: an agent-activity figure queue figures cannot give
    methods: MethodFilter | None = None


def _counted(measure: str, methods: frozenset[str] | None = None) -> V1Metric:
    return V1Metric("SUM", "COUNT", MEASURES[measure], MethodFilter(methods) if methods else None)


NEVER_COUNTED = V1Metric("SUM", "COUNT", never_happens)


def _seconds(statistic: str, measure: str) -> V1Metric:
    return V1Metric(statistic, "SECONDS", MEASURES[measure])


# Each V1 metric, with the one Statistic and Unit Connect accepts for it.
V1_METRICS: dict[str, V1Metric] = {
    "CONTACTS_QUEUED": _counted("CONTACTS_QUEUED"),
    "CONTACTS_HANDLED": _counted("CONTACTS_HANDLED"),
    "CONTACTS_ABANDONED": _counted("CONTACTS_ABANDONED"),
    "CONTACTS_CONSULTED": NEVER_COUNTED,
    "CONTACTS_AGENT_HUNG_UP_FIRST": NEVER_COUNTED,
    "CONTACTS_HANDLED_INCOMING": _counted("CONTACTS_HANDLED", INCOMING),
    "CONTACTS_HANDLED_OUTBOUND": _counted("CONTACTS_HANDLED", frozenset({"OUTBOUND"})),
    "CONTACTS_HOLD_ABANDONS": _counted("CONTACTS_HOLD_ABANDONS"),
    "CONTACTS_TRANSFERRED_IN": _counted("CONTACTS_QUEUED", frozenset({"TRANSFER"})),
    "CONTACTS_TRANSFERRED_OUT": _counted("CONTACTS_TRANSFERRED_OUT"),
    "CONTACTS_TRANSFERRED_IN_FROM_QUEUE": _counted("CONTACTS_QUEUED",
                                                   frozenset({"QUEUE_TRANSFER"})),
    "CONTACTS_TRANSFERRED_OUT_FROM_QUEUE": NEVER_COUNTED,
    "CONTACTS_MISSED": _counted("AGENT_NON_RESPONSE"),
    "CALLBACK_CONTACTS_HANDLED": _counted("CONTACTS_HANDLED", frozenset({"CALLBACK"})),
    "API_CONTACTS_HANDLED": _counted("CONTACTS_HANDLED", frozenset({"API"})),
    "OCCUPANCY": V1Metric("AVG", "PERCENT", None),
    "HANDLE_TIME": _seconds("AVG", "AVG_HANDLE_TIME"),
    "AFTER_CONTACT_WORK_TIME": _seconds("AVG", "AVG_AFTER_CONTACT_WORK_TIME"),
    "QUEUED_TIME": _seconds("MAX", "MAX_QUEUED_TIME"),
    "ABANDON_TIME": _seconds("AVG", "AVG_ABANDON_TIME"),
    "QUEUE_ANSWER_TIME": _seconds("AVG", "AVG_QUEUE_ANSWER_TIME"),
    "HOLD_TIME": _seconds("AVG", "AVG_HOLD_TIME"),
    "INTERACTION_TIME": _seconds("AVG", "AVG_INTERACTION_TIME"),
    "INTERACTION_AND_HOLD_TIME": _seconds("AVG", "AVG_INTERACTION_AND_HOLD_TIME"),
    "SERVICE_LEVEL": V1Metric("AVG", "PERCENT", MEASURES["SERVICE_LEVEL"]),
}


def _check_window(start_ms: int, end_ms: int, now_ms: int) -> None:
    if start_ms % BOUNDARY_MS or end_ms % BOUNDARY_MS:
        raise invalid_parameter(
            "StartTime and EndTime must be specified using a multiple of 5 minutes, "
            "such as 10:05, 10:10, 10:15"
        )
    if end_ms <= start_ms:
        raise invalid_parameter("EndTime must be later than StartTime")
    if end_ms - start_ms >= MAX_SPAN_MS:
        raise invalid_parameter("The time range between StartTime and EndTime must be less "
                                "than 24 hours")
    if start_ms < now_ms - LOOKBACK_MS:
        raise invalid_parameter("StartTime cannot be earlier than 24 hours before the time "
                                "of the request")


def _threshold(metric: Document) -> Threshold | None:
    if metric["Name"] != "SERVICE_LEVEL":
        return None
    threshold = metric.get("Threshold")
    if not threshold or threshold.get("ThresholdValue") is None:
        raise invalid_parameter("You must specify a Threshold when you retrieve SERVICE_LEVEL "
                                "metrics.")
    value = threshold["ThresholdValue"]
    if value != int(value) or not 1 <= value <= MAX_THRESHOLD_S:
        raise invalid_parameter("ThresholdValue must be a whole number from 1 to 604800")
    return Threshold(threshold.get("Comparison", "LT"), float(value))


def _check_metric(metric: Document) -> V1Metric:
    name = metric.get("Name")
    spec = V1_METRICS.get(name or "")
    if spec is None:
        raise invalid_parameter(f"The metric name {name} is not a valid historical metric")
    if metric.get("Statistic") != spec.statistic or metric.get("Unit") != spec.unit:
        raise invalid_parameter(
            f"The metric {name} is only available with Statistic {spec.statistic} and "
            f"Unit {spec.unit}"
        )
    return spec


def _queue_ids(call: Call, instance: Instance) -> set[str]:
    filters = call.params["Filters"]
    unsupported = sorted(k for k in filters if k not in ("Queues", "Channels") and filters[k])
    if unsupported:
        raise invalid_parameter(f"{unsupported[0]} is not a valid filter for GetMetricData; "
                                "filter by Queues and Channels")
    if not filters.get("Queues"):
        raise invalid_parameter("Filters must contain at least one queue")
    return {resource_id(instance, ref, "queue") for ref in filters["Queues"]}


def _dimensions(key: GroupKey, groupings: list[str], dimensions: SegmentDimensions) -> Document:
    document: Document = {}
    for grouping, value in zip(groupings, key, strict=True):
        if grouping == "QUEUE":
            document["Queue"] = {"Id": value, "Arn": dimensions.arn("QUEUE", value)}
        else:
            document["Channel"] = value
    return document


def _collection(metric: Document, spec: V1Metric, figures: Figures,
                threshold: Threshold | None) -> Document:
    value = spec.measure(figures, threshold) if spec.measure else None
    return {"Metric": metric, **value_or_absent(value)}


def get_metric_data(call: Call) -> Document:
    instance = instance_of(call)
    params = call.params
    start_ms, end_ms = params["StartTime"], params["EndTime"]
    _check_window(start_ms, end_ms, call.now_ms)
    queue_ids = _queue_ids(call, instance)
    channels = set(params["Filters"].get("Channels") or ())
    if not channels <= SUPPORTED_CHANNELS:
        raise invalid_parameter("VOICE, CHAT, and TASK channels are supported")
    groupings = list(dict.fromkeys(params.get("Groupings") or ()))
    for grouping in groupings:
        if grouping not in SUPPORTED_GROUPINGS:
            raise invalid_parameter(f"Grouping {grouping} is not supported by GetMetricData; "
                                    "group by QUEUE and CHANNEL")
    metrics = params["HistoricalMetrics"]
    if not metrics:
        raise invalid_parameter("HistoricalMetrics must contain at least one metric")
    specs = [_check_metric(metric) for metric in metrics]
    thresholds = [_threshold(metric) for metric in metrics]
    if sum(1 for m in metrics if m["Name"] == "SERVICE_LEVEL") > MAX_SERVICE_LEVEL_METRICS:
        raise invalid_parameter("You can include up to 20 SERVICE_LEVEL metrics in a request")

    def rows() -> list[Document]:
        segments = [  # EndTime may lie ahead; the answer is as of now
            s for s in call.world.segments_for_window(instance.id, start_ms, end_ms)
            if s.queue_id in queue_ids and (not channels or s.channel in channels)
        ]

        dimensions = SegmentDimensions(call.directory, instance)

        def group_of(segment: ContactSegment) -> GroupKey:
            return tuple(dimensions.value(g, segment) or "" for g in groupings)

        # One reporting interval, the window: every figure attributed to it (metrics.py) counts.
        window = listed_intervals([(start_ms, end_ms)])
        figures = figures_per_method_filter(
            segments, group_of, (spec.methods for spec in specs), window,
            call.world.visible_ms, call.now_ms,
        )
        return [
            {
                "Dimensions": _dimensions(key, groupings, dimensions),
                "Collections": [
                    _collection(metric, spec, figures[spec.methods].get((key, interval), Figures()),
                                threshold)
                    for metric, spec, threshold in zip(metrics, specs, thresholds, strict=True)
                ],
            }
            for key, interval in sorted(figures[None])
        ]

    page = call.pages.paginate(call.operation, params, call.now_ms, rows)
    return page.answer({"MetricResults": page.items})
