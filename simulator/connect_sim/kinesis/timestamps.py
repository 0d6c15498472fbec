"""The agent event stream's timestamp format: ISO 8601 UTC with milliseconds and a Z.

`2026-11-02T14:05:09.120Z` <-> 1793628309120 (integer ms since the epoch, as in model.py).
"""

from __future__ import annotations

import calendar
import time
from datetime import datetime
from functools import lru_cache


@lru_cache(maxsize=16384)
def _second_text(epoch_s: int) -> str:
    # Events cluster in time, so the seconds part repeats a lot: formatting it once is the
    # difference between ~1.5 µs and ~0.2 µs per timestamp.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s))


def format_iso_ms(t_ms: int) -> str:
    epoch_s, millis = divmod(t_ms, 1000)
    return f"{_second_text(epoch_s)}.{millis:03d}Z"


def parse_iso_ms(text: str) -> int:
    """Any ISO 8601 timestamp with an offset or Z → integer ms (sub-ms digits are dropped)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text!r}")
    return calendar.timegm(moment.utctimetuple()) * 1000 + moment.microsecond // 1000
