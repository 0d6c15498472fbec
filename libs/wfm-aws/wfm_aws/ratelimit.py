"""Client-side request budgets for a run's AWS calls (token buckets): one shared by every
call, and one per API operation (AWS throttles most APIs per operation)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """`per_second` on average, up to `burst` at once."""

    per_second: float
    burst: float = 1.0

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"a rate needs per_second > 0 and burst >= 1, not {self}")


class RateLimiter:
    """At most `rate` requests per second on average, `burst` at once.

    Installed on a client it paces every HTTP attempt, retries included: AWS counts those.
    """

    def __init__(self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate))
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._updated = clock()
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            self.waited_s += wait
        if wait > 0:
            self._sleep(wait)

    def install(self, client) -> None:
        client.meta.events.register("before-send", self._before_send)

    def _before_send(self, **_: object) -> None:
        self.acquire()
        return None


class OperationRateLimiter:
    """A token bucket per API operation: `rates[operation]`, else `default`; None leaves
    that operation unpaced.

    Installed on clients it paces every HTTP attempt, retries included, by the operation
    botocore names in the event (`before-send.<service>.<Operation>`); the buckets are
    shared by every client it is installed on.
    """

    def __init__(self, rates: Mapping[str, Rate | None], default: Rate | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rates = dict(rates)
        self.default = default
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, RateLimiter | None] = {}
        self._lock = threading.Lock()

    def bucket(self, operation: str) -> RateLimiter | None:
        with self._lock:
            if operation not in self._buckets:
                rate = self.rates.get(operation, self.default)
                self._buckets[operation] = rate and RateLimiter(
                    rate.per_second, rate.burst, clock=self._clock, sleep=self._sleep)
            return self._buckets[operation]

    def acquire(self, operation: str) -> None:
        bucket = self.bucket(operation)
        if bucket is not None:
            bucket.acquire()

    @property
    def waited_s(self) -> dict[str, float]:
        """Seconds each operation's calls waited for their bucket."""
        return {op: b.waited_s for op, b in self._buckets.items() if b is not None and b.waited_s}

    def install(self, client) -> None:
        client.meta.events.register("before-send", self._before_send)

    def _before_send(self, event_name: str, **_: object) -> None:
        self.acquire(event_name.rsplit(".", 1)[-1])
        return None
