"""queue_interval_metrics: counts and sums per instance x queue x channel x interval.

Each run reads [start, end): end is the end of the last closed interval (interval_end <=
now - settle_minutes); start is start_date on a first run, else the bookmark's next
interval minus lookback_minutes (Connect restates recent intervals; the key makes re-reads
upserts). v2 reads windows of just under 3 days per request (100 queues per request,
paginated); v1 reads one request per interval and 100 queues. Rows are emitted interval by
interval, every selected queue x configured channel, zeros where the API had no row.
Which metric fills which column, and the interval Connect counts each in: metric_specs.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from singer_sdk import typing as th

from .. import clock, metric_specs
from ..windows import (
    ceil_to,
    closed_until,
    floor_to,
    from_epoch,
    interval_starts,
    iso,
    parse_datetime,
    resume_from,
    v1_windows,
    v2_windows,
)
from .base import PerInstanceStream

Key = tuple[str, str]  # queue_id, channel


class QueueIntervalMetricsStream(PerInstanceStream):
    name = "queue_interval_metrics"
    primary_keys = ("instance_id", "queue_id", "channel", "interval_start")
    replication_key = "interval_start"
    is_sorted = True
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("queue_id", th.StringType, required=True),
        th.Property("channel", th.StringType, required=True),
        th.Property("interval_start", th.DateTimeType, required=True),
        th.Property("interval_end", th.DateTimeType),
        th.Property("interval_minutes", th.IntegerType),
        th.Property("contacts_offered", th.IntegerType, description=(
            "Contacts that entered the queue, in the interval they were enqueued in (the volume "
            "to forecast): v2 CONTACTS_QUEUED_BY_ENQUEUE. With v1 (no such metric) it is "
            "CONTACTS_QUEUED, counted in the interval the contact ended (disconnected)")),
        th.Property("contacts_queued", th.IntegerType, description=(
            "CONTACTS_QUEUED as Connect reports it: the same contacts, in the interval holding "
            "their contact record's disconnect time (for reconciling with Connect's reports)")),
        th.Property("contacts_handled", th.IntegerType, description=(
            "CONTACTS_HANDLED: connected to an agent, inbound, transferred and outbound; "
            "interval of the disconnect")),
        th.Property("contacts_handled_outbound", th.IntegerType, description=(
            "Of contacts_handled, the outbound ones (agent-dialled, never queued): v2 "
            "CONTACTS_HANDLED filtered on INITIATION_METHOD OUTBOUND, v1 CONTACTS_HANDLED_OUTBOUND")),
        th.Property("contacts_answered", th.IntegerType, description=(
            "Contacts queued and then answered by an agent, interval of the disconnect: the "
            "denominator of avg_queue_answer_time_seconds. v2 SUM_CONTACTS_ANSWERED_IN_X "
            "(LTE 604800 s); v1 contacts_handled - contacts_handled_outbound (also counts "
            "callback and API contacts)")),
        th.Property("contacts_abandoned", th.IntegerType),
        th.Property("contacts_answered_in_threshold", th.IntegerType,
                    description="Answered in less than service_level_threshold_seconds (null with v1)"),
        th.Property("service_level_threshold_seconds", th.IntegerType,
                    description="The first of service_level_thresholds_seconds"),
        th.Property("contacts_answered_in_thresholds", th.ObjectType(
            additional_properties=th.CustomType({"type": ["integer", "null"]})),
                    description='Every configured threshold: {"20": n, "30": m} (values null with v1)'),
        th.Property("handle_time_seconds", th.NumberType),
        th.Property("talk_time_seconds", th.NumberType),
        th.Property("hold_time_seconds", th.NumberType),
        th.Property("after_contact_work_seconds", th.NumberType),
        th.Property("queue_answer_time_seconds", th.NumberType,
                    description="Derived: avg_queue_answer_time_seconds x contacts_answered"),
        th.Property("avg_queue_answer_time_seconds", th.NumberType, description=(
            "AVG_QUEUE_ANSWER_TIME as the API gives it: mean queue wait over contacts_answered "
            "(queued and answered; not contacts_handled, which adds outbound); null when 0")),
        th.Property("abandon_time_seconds", th.NumberType,
                    description="Derived: avg_abandon_time_seconds x contacts_abandoned"),
        th.Property("avg_abandon_time_seconds", th.NumberType,
                    description="As the API gives it; denominator contacts_abandoned; null when 0"),
        th.Property("contacts_transferred_out", th.IntegerType),
        th.Property("contacts_put_on_hold", th.IntegerType, description="null with v1"),
        th.Property("max_queued_seconds", th.NumberType),
        th.Property("api_version", th.StringType, description="v1 or v2"),
        th.Property("collected_at", th.DateTimeType),
    ).to_dict()

    @property
    def check_sorted(self) -> bool:
        # Each run re-reads the lookback window, so its first rows are older than the bookmark
        # left by the previous run; within a run rows are emitted in interval order.
        return False

    def read_range(self, context: dict, now: datetime) -> tuple[datetime, datetime]:
        o = self.options
        end = closed_until(now, o.interval_minutes, o.settle_minutes)
        bookmark = self.bookmark(context)
        if bookmark:
            # the bookmark is the last interval read: the read reached its end
            read_until = floor_to(parse_datetime(bookmark), o.interval_minutes) + timedelta(minutes=o.interval_minutes)
            start = resume_from(read_until, o.interval_minutes, o.lookback_minutes)
        else:
            o.check_reach(now)  # an instance without a bookmark (first run, or newly added)
            start = ceil_to(o.default_start(now), o.interval_minutes)
        earliest = ceil_to(now - o.reach, max(o.interval_minutes, 5))
        if start < earliest:
            self.logger.warning(
                "queue_interval_metrics of %s: intervals from %s to %s are beyond what %s can "
                "still read and are skipped; run the tap more often%s",
                context["instance_id"], iso(start), iso(earliest), o.metrics_api,
                " or use metrics_api v2" if o.metrics_api == "v1" else "")
            start = earliest
        return start, end

    def get_records(self, context: dict | None) -> Iterable[dict]:
        assert context is not None
        o = self.options
        instance = self.connect.instance(context["instance_id"])
        # v2 reads no agent queues, v1 no EMAIL: the APIs do not take them (options.py)
        types = o.v2_queue_types if o.metrics_api == "v2" else o.queue_types
        queue_ids = [q.id for q in self.connect.queues(instance.id) if q.queue_type in types]
        now = clock.now()
        start, end = self.read_range(context, now)
        if not queue_ids or start >= end:
            self.logger.info("queue_interval_metrics of %s: nothing closed to read", instance.id)
            return
        self.logger.info("queue_interval_metrics of %s: %s to %s, %d queues, %s", instance.id,
                         iso(start), iso(end), len(queue_ids), o.metrics_api)
        collected_at = iso(now)
        windows = (v1_windows if o.metrics_api == "v1" else v2_windows)(start, end, o.interval_minutes)
        for window_start, window_end in windows:
            figures = self._read_window(instance, queue_ids, window_start, window_end)
            for interval_start in interval_starts(window_start, window_end, o.interval_minutes):
                found = figures.get(interval_start, {})
                for queue_id in queue_ids:
                    for channel in o.interval_channels:
                        values = found.get((queue_id, channel)) or metric_specs.empty_figures(
                            o.thresholds, o.metrics_api)
                        yield self._row(instance.id, queue_id, channel, interval_start, values, collected_at)

    def _read_window(self, instance, queue_ids: list[str], start: datetime,
                     end: datetime) -> dict[datetime, dict[Key, dict[str, Any]]]:
        o = self.options
        out: dict[datetime, dict[Key, dict[str, Any]]] = {}
        if o.metrics_api == "v1":
            for result in self.connect.metric_rows_v1(instance, queue_ids, o.interval_channels, start, end):
                dims = result.get("Dimensions") or {}
                key = ((dims.get("Queue") or {}).get("Id"), dims.get("Channel"))
                out.setdefault(start, {})[key] = metric_specs.figures_from_v1(
                    result.get("Collections") or [], o.thresholds)
            return out
        for result in self.connect.metric_rows_v2(instance, "QUEUE", queue_ids, start, end, o.interval_minutes,
                                                  metric_specs.v2_request_metrics(o.thresholds),
                                                  ["QUEUE", "CHANNEL"], channels=o.channels):
            dims = result.get("Dimensions") or {}
            interval = result.get("MetricInterval") or {}
            interval_start = from_epoch(interval["StartTime"])
            key = (dims.get("QUEUE"), dims.get("CHANNEL"))
            out.setdefault(interval_start, {})[key] = metric_specs.figures_from_v2(
                result.get("Collections") or [], o.thresholds)
        return out

    def _row(self, instance_id: str, queue_id: str, channel: str, interval_start: datetime,
             values: dict[str, Any], collected_at: str) -> dict:
        o = self.options
        answered = values["contacts_answered_in_thresholds"]
        return {
            "instance_id": instance_id,
            "queue_id": queue_id,
            "channel": channel,
            "interval_start": iso(interval_start),
            "interval_end": iso(interval_start + timedelta(minutes=o.interval_minutes)),
            "interval_minutes": o.interval_minutes,
            **{k: v for k, v in values.items() if k != "contacts_answered_in_thresholds"},
            "contacts_answered_in_threshold": answered.get(str(o.thresholds[0])),
            "service_level_threshold_seconds": o.thresholds[0],
            "contacts_answered_in_thresholds": dict(answered),
            "api_version": o.metrics_api,
            "collected_at": collected_at,
        }
