"""The per-agent streams (optional, not selected by default), both always GetMetricDataV2
(GetMetricData cannot group by agent), read through the one V2 request path
(client.v2_request, through ConnectClient.metric_rows_v2; windows.v2_windows and resume_from):

agent_interval_metrics: per instance x agent x queue x channel x interval, the contacts each
  agent handled and their times (grouped by AGENT, QUEUE and CHANNEL; filtered by the
  standard queues, 100 a request: GetMetricDataV2 does not support agent queues, options.py).

agent_activity_metrics: per instance x agent x interval, the agent's own time as Connect
  counts it (docs/aws-sources.md §9): online, idle, on contact, non-productive and error
  status seconds (agent-activity-driven: split across intervals by when they happened),
  after-contact-work seconds (contact-record-driven: the interval of the contact's
  disconnect) and non-responses. These metrics cannot be grouped or filtered by queue or
  channel, so the grain has no queue or channel (a stream of its own: agent_interval_metrics
  keeps its key). Grouped by AGENT, filtered by every ROUTING_PROFILE of the instance (100 a
  request; one ListRoutingProfiles a run): the rows are the same as with an AGENT filter,
  but the requests are not. An AGENT filter needs the user list first and one request per
  100 agents even where none was logged in (at 5,000 agents, 50 requests at night where the
  routing-profile filter makes 1), and loses a deleted user's time; the pages of 100 rows
  (agents x intervals with activity) are the same for both. An agent whose routing profile
  changed mid-interval is in two batches only when there are more than 100 profiles: its
  rows are added up.

Rows exist only where an agent had data (not densified: agents x intervals would be mostly
zeros); an absent row means zero, once Connect has settled the interval. The read range
follows queue_interval_metrics' rule (closed intervals; each run re-reads lookback_minutes,
where Connect restates recent intervals); since rows are sparse, the state also keeps
`read_until` (the end of what was read), and the next run starts there minus the lookback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from singer_sdk import typing as th

from .. import clock
from ..options import DEFAULT_START
from ..windows import (
    V2_REACH,
    ceil_to,
    closed_until,
    from_epoch,
    iso,
    parse_datetime,
    resume_from,
    v2_windows,
)
from .base import PerInstanceStream


class _AgentMetricsStream(PerInstanceStream):
    """A sparse per-agent GetMetricDataV2 stream: what the two share."""

    replication_key = "interval_start"
    is_sorted = True
    selected_by_default = False
    resource_key = ""  # the resource filter: QUEUE or ROUTING_PROFILE
    groupings: tuple[str, ...] = ()
    dimensions: dict[str, str] = {}  # grouping → column
    metrics: dict[str, str] = {}  # GetMetricDataV2 metric → column
    counts: tuple[str, ...] = ()  # columns that are counts (the others are seconds)

    @property
    def check_sorted(self) -> bool:
        return False  # each run re-reads the lookback window first

    def resource_ids(self, instance_id: str) -> list[str]:
        raise NotImplementedError

    def channels(self) -> Sequence[str]:
        return ()

    def first_start(self, now: datetime) -> datetime:
        """Where an instance's first run starts."""
        return self.options.start_date or now - DEFAULT_START

    def read_range(self, context: dict, now: datetime) -> tuple[datetime, datetime]:
        o = self.options
        end = closed_until(now, o.interval_minutes, o.settle_minutes)
        read_until = self.get_context_state(context).get("read_until") or self.bookmark(context)
        if read_until:
            start = resume_from(parse_datetime(read_until), o.interval_minutes, o.lookback_minutes)
        else:
            start = ceil_to(self.first_start(now), o.interval_minutes)
        return max(start, ceil_to(now - V2_REACH, o.interval_minutes)), end

    def get_records(self, context: dict | None) -> Iterable[dict]:
        assert context is not None
        o = self.options
        instance = self.connect.instance(context["instance_id"])
        ids = self.resource_ids(instance.id)
        now = clock.now()
        start, end = self.read_range(context, now)
        if not ids or start >= end:
            self.logger.info("%s of %s: nothing closed to read", self.name, instance.id)
            return
        self.logger.info("%s of %s: %s to %s, %d %s filter values", self.name, instance.id, iso(start),
                         iso(end), len(ids), self.resource_key)
        collected_at = iso(now)
        requested = [{"Name": name} for name in self.metrics]
        for lo, hi in v2_windows(start, end, o.interval_minutes):
            rows: dict[tuple, dict] = {}
            for result in self.connect.metric_rows_v2(instance, self.resource_key, ids, lo, hi, o.interval_minutes,
                                                      requested, self.groupings, channels=self.channels()):
                row = self._row(instance.id, result, collected_at)
                key = tuple(row[c] for c in (*self.dimensions.values(), "interval_start"))
                rows[key] = self._add(rows[key], row) if key in rows else row
            yield from (rows[key] for key in sorted(rows, key=lambda k: (k[-1], *k[:-1])))
        self.get_context_state(context)["read_until"] = iso(end)

    def _row(self, instance_id: str, result: dict, collected_at: str) -> dict:
        o = self.options
        dims = result.get("Dimensions") or {}
        interval_start: datetime = from_epoch(result["MetricInterval"]["StartTime"])
        row: dict[str, Any] = {
            "instance_id": instance_id,
            **{column: dims.get(grouping) for grouping, column in self.dimensions.items()},
            "interval_start": iso(interval_start),
            "interval_end": iso(interval_start + timedelta(minutes=o.interval_minutes)),
            "interval_minutes": o.interval_minutes,
            **dict.fromkeys(self.metrics.values()),
        }
        for collection in result.get("Collections") or []:
            column = self.metrics.get((collection.get("Metric") or {}).get("Name") or "")
            value = collection.get("Value")
            if column and value is not None:  # Connect leaves Value out where it has none
                row[column] = int(value) if column in self.counts else round(float(value), 3)
        row.update(api_version="v2", collected_at=collected_at)
        return row

    def _add(self, row: dict, other: dict) -> dict:
        """One agent's row from two requests (two batches of the resource filter)."""
        for column in self.metrics.values():
            if other[column] is not None:
                row[column] = other[column] if row[column] is None else (
                    row[column] + other[column] if column in self.counts else round(row[column] + other[column], 3))
        return row


AGENT_METRICS = {
    "CONTACTS_HANDLED": "contacts_handled",
    "CONTACTS_TRANSFERRED_OUT": "contacts_transferred_out",
    "AGENT_NON_RESPONSE": "agent_non_response",
    "SUM_HANDLE_TIME": "handle_time_seconds",
    "SUM_INTERACTION_TIME": "talk_time_seconds",
    "SUM_HOLD_TIME": "hold_time_seconds",
    "SUM_AFTER_CONTACT_WORK_TIME": "after_contact_work_seconds",
    "SUM_CONNECTING_TIME_AGENT": "connecting_time_seconds",
}
COUNTS = ("contacts_handled", "contacts_transferred_out", "agent_non_response")


class AgentIntervalMetricsStream(_AgentMetricsStream):
    name = "agent_interval_metrics"
    primary_keys = ("instance_id", "agent_id", "queue_id", "channel", "interval_start")
    resource_key = "QUEUE"
    groupings = ("AGENT", "QUEUE", "CHANNEL")
    dimensions = {"AGENT": "agent_id", "QUEUE": "queue_id", "CHANNEL": "channel"}
    metrics = AGENT_METRICS
    counts = COUNTS
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("agent_id", th.StringType, required=True),
        th.Property("queue_id", th.StringType, required=True),
        th.Property("channel", th.StringType, required=True),
        th.Property("interval_start", th.DateTimeType, required=True),
        th.Property("interval_end", th.DateTimeType),
        th.Property("interval_minutes", th.IntegerType),
        *(th.Property(column, th.IntegerType) for column in COUNTS),
        *(th.Property(column, th.NumberType) for column in AGENT_METRICS.values() if column not in COUNTS),
        th.Property("api_version", th.StringType),
        th.Property("collected_at", th.DateTimeType),
    ).to_dict()

    def resource_ids(self, instance_id: str) -> list[str]:
        return [q.id for q in self.connect.queues(instance_id) if q.queue_type in self.options.v2_queue_types]

    def channels(self) -> Sequence[str]:
        return self.options.channels

    def _row(self, instance_id: str, result: dict, collected_at: str) -> dict:
        row = super()._row(instance_id, result, collected_at)
        for column in self.metrics.values():  # as before: a value Connect leaves out is 0 here
            if row[column] is None:
                row[column] = 0 if column in self.counts else 0.0
        return row


class AgentActivityMetricsStream(_AgentMetricsStream):
    name = "agent_activity_metrics"
    primary_keys = ("instance_id", "agent_id", "interval_start")
    resource_key = "ROUTING_PROFILE"
    groupings = ("AGENT",)
    dimensions = {"AGENT": "agent_id"}
    metrics = {
        "SUM_ONLINE_TIME_AGENT": "online_seconds",
        "SUM_IDLE_TIME_AGENT": "idle_seconds",
        "SUM_CONTACT_TIME_AGENT": "on_contact_seconds",
        "SUM_NON_PRODUCTIVE_TIME_AGENT": "non_productive_seconds",
        "SUM_ERROR_STATUS_TIME_AGENT": "error_status_seconds",
        "SUM_AFTER_CONTACT_WORK_TIME": "after_contact_work_seconds",
        "AGENT_NON_RESPONSE": "agent_non_response",
    }
    counts = ("agent_non_response",)
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("agent_id", th.StringType, required=True),
        th.Property("interval_start", th.DateTimeType, required=True),
        th.Property("interval_end", th.DateTimeType),
        th.Property("interval_minutes", th.IntegerType),
        th.Property("online_seconds", th.NumberType, description=(
            "SUM_ONLINE_TIME_AGENT: time with a status other than Offline (custom statuses included); "
            "split across intervals by when it happened")),
        th.Property("idle_seconds", th.NumberType, description=(
            "SUM_IDLE_TIME_AGENT: time Available without contacts, plus time the agent's contacts spent "
            "in error; by when it happened")),
        th.Property("on_contact_seconds", th.NumberType, description=(
            "SUM_CONTACT_TIME_AGENT: time on contacts, hold and after-contact work included, time in a "
            "custom or Offline status excluded; by when it happened")),
        th.Property("non_productive_seconds", th.NumberType, description=(
            "SUM_NON_PRODUCTIVE_TIME_AGENT: time in a custom status (overlaps with contact time); "
            "by when it happened")),
        th.Property("error_status_seconds", th.NumberType, description=(
            "SUM_ERROR_STATUS_TIME_AGENT: time the agent's contacts were in error (missed, rejected, "
            "failed, not cleared); by when it happened")),
        th.Property("after_contact_work_seconds", th.NumberType, description=(
            "SUM_AFTER_CONTACT_WORK_TIME: after-contact work of the agent's contacts, all of it in the "
            "interval of the contact's disconnect (contact-record-driven)")),
        th.Property("agent_non_response", th.IntegerType, description=(
            "AGENT_NON_RESPONSE: offers the agent did not answer (customer abandons while ringing included)")),
        th.Property("api_version", th.StringType, description="v2"),
        th.Property("collected_at", th.DateTimeType, description="When the run read it"),
    ).to_dict()

    def resource_ids(self, instance_id: str) -> list[str]:
        return self.connect.routing_profile_ids(instance_id)

    def first_start(self, now: datetime) -> datetime:
        o = self.options
        backfill = now - timedelta(hours=o.agent_activity_backfill_hours)
        return max(o.start_date, backfill) if o.start_date else backfill
