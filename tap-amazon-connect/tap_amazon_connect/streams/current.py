"""queue_current_metrics: one GetCurrentMetricData snapshot per run, every selected queue x
configured channel (zeros where Connect has no row: no agent serving it, no contact waiting),
stamped with collected_at (the run's clock) and Connect's data_snapshot_time. No EMAIL rows:
GetCurrentMetricData takes VOICE, CHAT and TASK only (options.py)."""

from __future__ import annotations

from collections.abc import Iterable

from singer_sdk import typing as th

from .. import clock, metric_specs
from ..windows import from_epoch, iso
from .base import ConnectStream

_COUNTS = [c for c in metric_specs.CURRENT_METRICS.values() if c != "oldest_contact_age_seconds"]


class QueueCurrentMetricsStream(ConnectStream):
    name = "queue_current_metrics"
    primary_keys = ("instance_id", "queue_id", "channel", "collected_at")
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("queue_id", th.StringType, required=True),
        th.Property("channel", th.StringType, required=True),
        th.Property("collected_at", th.DateTimeType, required=True),
        th.Property("data_snapshot_time", th.DateTimeType),
        *(th.Property(column, th.IntegerType) for column in _COUNTS),
        th.Property("oldest_contact_age_seconds", th.NumberType),
    ).to_dict()

    def get_records(self, context: dict | None) -> Iterable[dict]:
        channels = self.options.v1_and_current_channels
        for instance in self.instances():
            queue_ids = [q.id for q in self.connect.queues(instance.id)]
            if not queue_ids or not channels:
                continue
            collected_at = iso(clock.now())
            found: dict[tuple[str, str], dict] = {}
            snapshot = None
            for result, snapshot_time in self.connect.current_rows(instance, queue_ids, channels):
                dims = result.get("Dimensions") or {}
                key = ((dims.get("Queue") or {}).get("Id"), dims.get("Channel"))
                found[key] = metric_specs.figures_from_current(result.get("Collections") or [])
                snapshot = snapshot or snapshot_time
            for queue_id in queue_ids:
                for channel in channels:
                    yield {
                        "instance_id": instance.id,
                        "queue_id": queue_id,
                        "channel": channel,
                        "collected_at": collected_at,
                        "data_snapshot_time": iso(from_epoch(snapshot)) if snapshot else None,
                        **(found.get((queue_id, channel)) or metric_specs.figures_from_current([])),
                    }
