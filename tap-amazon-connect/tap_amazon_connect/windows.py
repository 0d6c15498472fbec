"""Interval and request-window arithmetic (all datetimes aware, UTC)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

# GetMetricDataV2 with FIFTEEN_MIN, THIRTY_MIN or HOUR: EndTime - StartTime must be *less
# than* 3 days, so the longest whole-interval window is 3 days minus one interval.
V2_MAX_SPAN = timedelta(days=3)
# GetMetricDataV2 keeps about 3 months; we promise 90 days.
V2_REACH = timedelta(days=90)
# GetMetricData (V1) answers at most 24 hours back, on 5-minute boundaries.
V1_REACH = timedelta(hours=24)
V1_MARGIN = timedelta(minutes=5)  # the request takes a moment to arrive
INTERVAL_PERIODS = {15: "FIFTEEN_MIN", 30: "THIRTY_MIN", 60: "HOUR"}


def parse_datetime(value: str | datetime) -> datetime:
    """ISO 8601 (a date alone, 'Z' or an offset) → aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """'2026-11-02T14:15:00+00:00' (UTC, whole seconds unless the value has fractions)."""
    return moment.astimezone(UTC).isoformat()


def from_epoch(value: float | datetime) -> datetime:
    """boto3 gives datetimes for timestamps; accept epoch seconds too."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromtimestamp(float(value), UTC)


def floor_to(moment: datetime, minutes: int) -> datetime:
    step = minutes * 60
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % step, UTC)


def ceil_to(moment: datetime, minutes: int) -> datetime:
    floored = floor_to(moment, minutes)
    return floored if floored == moment else floored + timedelta(minutes=minutes)


def closed_until(now: datetime, interval_minutes: int, settle_minutes: int) -> datetime:
    """End of the last closed interval: its end is at most now minus the settle delay."""
    return floor_to(now - timedelta(minutes=settle_minutes), interval_minutes)


def resume_from(read_until: datetime, interval_minutes: int, lookback_minutes: int) -> datetime:
    """Where a run starts when the previous one read up to `read_until` (the end of its last
    interval): lookback_minutes earlier, on an interval boundary (Connect restates recent
    intervals; re-read rows are upserts). The one restart rule of the interval streams."""
    return floor_to(read_until - timedelta(minutes=lookback_minutes), interval_minutes)


def interval_starts(start: datetime, end: datetime, minutes: int) -> Iterator[datetime]:
    step = timedelta(minutes=minutes)
    moment = start
    while moment < end:
        yield moment
        moment += step


def v2_windows(start: datetime, end: datetime, minutes: int) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into the fewest GetMetricDataV2 windows (each < 3 days)."""
    span = V2_MAX_SPAN - timedelta(minutes=minutes)
    out = []
    lo = start
    while lo < end:
        hi = min(lo + span, end)
        out.append((lo, hi))
        lo = hi
    return out


def v1_windows(start: datetime, end: datetime, minutes: int) -> list[tuple[datetime, datetime]]:
    """V1 answers one total per request: one window per interval."""
    step = timedelta(minutes=minutes)
    return [(lo, lo + step) for lo in interval_starts(start, end, minutes)]
