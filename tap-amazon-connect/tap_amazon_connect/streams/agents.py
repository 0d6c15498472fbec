"""agent_interval_metrics (optional, not selected by default): per instance x agent x queue x
channel x interval, the contacts each agent handled and their times (GetMetricDataV2 grouped
by AGENT, QUEUE and CHANNEL; always V2: GetMetricData cannot group by agent). Standard
queues only: GetMetricDataV2 does not support agent queues (options.py).

Rows exist only where an agent had contacts (not densified: agents x queues x channels x
intervals would be mostly zeros); an absent row means zero. The read range follows the
same rule as queue_interval_metrics; since rows are sparse, the state also keeps
`read_until` (the end of what was read) so the next run starts from there minus the lookback.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from singer_sdk import typing as th

from .. import clock
from ..client import batches
from ..options import DEFAULT_START
from ..windows import (
    INTERVAL_PERIODS,
    V2_REACH,
    ceil_to,
    closed_until,
    floor_to,
    from_epoch,
    iso,
    parse_datetime,
    v2_windows,
)
from .base import PerInstanceStream

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


class AgentIntervalMetricsStream(PerInstanceStream):
    name = "agent_interval_metrics"
    primary_keys = ("instance_id", "agent_id", "queue_id", "channel", "interval_start")
    replication_key = "interval_start"
    is_sorted = True
    selected_by_default = False
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

    @property
    def check_sorted(self) -> bool:
        return False  # each run re-reads the lookback window first

    def get_records(self, context: dict | None) -> Iterable[dict]:
        assert context is not None
        o = self.options
        instance = self.connect.instance(context["instance_id"])
        queue_ids = [q.id for q in self.connect.queues(instance.id) if q.queue_type in o.v2_queue_types]
        now = clock.now()
        state = self.get_context_state(context)
        end = closed_until(now, o.interval_minutes, o.settle_minutes)
        read_until = state.get("read_until") or self.bookmark(context)
        if read_until:
            start = floor_to(parse_datetime(read_until) - timedelta(minutes=o.lookback_minutes), o.interval_minutes)
        else:
            start = ceil_to(o.start_date or now - DEFAULT_START, o.interval_minutes)
        start = max(start, ceil_to(now - V2_REACH, o.interval_minutes))
        if not queue_ids or start >= end:
            return
        collected_at = iso(now)
        metrics = [{"Name": name} for name in AGENT_METRICS]
        for lo, hi in v2_windows(start, end, o.interval_minutes):
            rows: list[dict] = []
            for batch in batches(queue_ids, 100):
                for result in self.connect.paginate(
                    "GetMetricDataV2", "MetricResults", ResourceArn=instance.arn, StartTime=lo, EndTime=hi,
                    Interval={"TimeZone": "UTC", "IntervalPeriod": INTERVAL_PERIODS[o.interval_minutes]},
                    Filters=[{"FilterKey": "QUEUE", "FilterValues": list(batch)},
                             {"FilterKey": "CHANNEL", "FilterValues": list(o.channels)}],
                    Groupings=["AGENT", "QUEUE", "CHANNEL"], Metrics=metrics, MaxResults=100,
                ):
                    rows.append(self._row(instance.id, result, collected_at))
            yield from sorted(rows, key=lambda r: (r["interval_start"], r["agent_id"], r["queue_id"], r["channel"]))
        state["read_until"] = iso(end)

    def _row(self, instance_id: str, result: dict, collected_at: str) -> dict:
        o = self.options
        dims = result.get("Dimensions") or {}
        interval_start: datetime = from_epoch(result["MetricInterval"]["StartTime"])
        row: dict = {
            "instance_id": instance_id,
            "agent_id": dims.get("AGENT"),
            "queue_id": dims.get("QUEUE"),
            "channel": dims.get("CHANNEL"),
            "interval_start": iso(interval_start),
            "interval_end": iso(interval_start + timedelta(minutes=o.interval_minutes)),
            "interval_minutes": o.interval_minutes,
        }
        for collection in result.get("Collections") or []:
            column = AGENT_METRICS.get((collection.get("Metric") or {}).get("Name") or "")
            if column:
                value = collection.get("Value")
                row[column] = int(value or 0) if column in COUNTS else round(float(value or 0), 3)
        row.update(api_version="v2", collected_at=collected_at)
        return row
