"""GetMetricDataV2 reporting intervals: the request window cut on the IntervalPeriod's grid.

The grid follows the request's TimeZone (local quarter hours, hours, midnights, and weeks
starting Monday). Intervals at the window's edges are clipped to it, so every interval
reports exactly the contacts enqueued inside it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

FIXED_PERIOD_MS = {"FIFTEEN_MIN": 15 * 60_000, "THIRTY_MIN": 30 * 60_000, "HOUR": 60 * 60_000}


def intervals(start_ms: int, end_ms: int, period: str, zone: ZoneInfo) -> list[tuple[int, int]]:
    if period == "TOTAL":
        return [(start_ms, end_ms)]
    edges = _fixed_edges(start_ms, end_ms, period, zone) if period in FIXED_PERIOD_MS else (
        _calendar_edges(start_ms, end_ms, period, zone)
    )
    return [
        (max(lo, start_ms), min(hi, end_ms))
        for lo, hi in pairwise(edges)
        if hi > start_ms and lo < end_ms
    ]


def _fixed_edges(start_ms: int, end_ms: int, period: str, zone: ZoneInfo) -> list[int]:
    step = FIXED_PERIOD_MS[period]
    offset = datetime.fromtimestamp(start_ms / 1000, UTC).astimezone(zone).utcoffset()
    offset_ms = int(offset.total_seconds() * 1000) if offset else 0
    edge = start_ms - (start_ms + offset_ms) % step
    edges = [edge]
    while edge < end_ms:
        edge += step
        edges.append(edge)
    return edges


def _local_midnight_ms(day: date, zone: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)


def _calendar_edges(start_ms: int, end_ms: int, period: str, zone: ZoneInfo) -> list[int]:
    day = datetime.fromtimestamp(start_ms / 1000, UTC).astimezone(zone).date()
    step = timedelta(days=1)
    if period == "WEEK":
        day -= timedelta(days=day.weekday())
        step = timedelta(days=7)
    edges = [_local_midnight_ms(day, zone)]
    while edges[-1] < end_ms:
        day += step
        edges.append(_local_midnight_ms(day, zone))
    return edges
