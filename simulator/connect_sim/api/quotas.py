"""Connect's per-operation API throttling, for FaultPlan.realistic_quotas.

Each operation has its own token bucket, refilled at its documented rate up to its burst;
a call that finds the bucket empty is answered ThrottlingException (HTTP 429). AWS applies
these per account and Region (docs/aws-sources.md §7; the archived admin guide's
amazon-connect-service-limits.md and
https://docs.aws.amazon.com/connect/latest/APIReference/best-practices-connect-apis.html):
GetMetricData and GetCurrentMetricData 5 requests/s, burst 8; every other operation
2/s, burst 5 (the conservative documented defaults; newer accounts may have more).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

DOCUMENTED = {"GetMetricData": (5.0, 8.0), "GetCurrentMetricData": (5.0, 8.0)}
EVERY_OTHER = (2.0, 5.0)


class OperationQuotas:
    """Token buckets per operation, on wall time (a client is throttled in real time)."""

    def __init__(self, wall: Callable[[], float]) -> None:
        self._wall = wall
        self._buckets: dict[str, tuple[float, float]] = {}  # operation -> (tokens, at)
        self._lock = threading.Lock()

    def admit(self, operation: str) -> bool:
        """Take a token for one call; False when the operation's bucket is empty."""
        rate, burst = DOCUMENTED.get(operation, EVERY_OTHER)
        with self._lock:
            now = self._wall()
            tokens, at = self._buckets.get(operation, (burst, now))
            tokens = min(burst, tokens + (now - at) * rate)
            admitted = tokens >= 1
            self._buckets[operation] = (tokens - 1 if admitted else tokens, now)
            return admitted
