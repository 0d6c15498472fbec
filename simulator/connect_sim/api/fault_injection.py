"""The world's FaultPlan applied to API calls: latency, throttling (random, bursts, or
Connect's per-operation quotas), denied actions.

The plan is read on every call, so a test or the demo may change `world.faults` while the
server runs. Random throttling uses its own generator seeded with `faults.seed`, so a run
repeats; bursts follow wall time from the moment the server started (a burst opens it).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from ..faults import FaultPlan
from .errors import access_denied, throttled
from .quotas import OperationQuotas


class FaultGate:
    def __init__(
        self,
        plan: Callable[[], FaultPlan],
        wall: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._plan = plan
        self._wall = wall
        self._sleep = sleep
        self._started_s = wall()
        self._rng = random.Random(plan().seed)
        self._rng_lock = threading.Lock()
        self._quotas = OperationQuotas(wall)

    def delay(self) -> None:
        slow_ms = self._plan().slow_ms
        if slow_ms > 0:
            self._sleep(slow_ms / 1000)

    def admit(self, operation: str, caller_arn: str, resource_arn: Callable[[], str]) -> None:
        """Raise the error the call meets, if any: throttling first, then a denied action."""
        plan = self._plan()
        if (self._in_burst(plan) or self._dice_throttle(plan)
                or (plan.realistic_quotas and not self._quotas.admit(operation))):
            raise throttled()
        if operation in plan.access_denied:
            raise access_denied(caller_arn, operation, resource_arn())

    def _in_burst(self, plan: FaultPlan) -> bool:
        if plan.throttle_burst_s <= 0 or plan.throttle_burst_period_s <= 0:
            return False
        elapsed = self._wall() - self._started_s
        return elapsed % plan.throttle_burst_period_s < plan.throttle_burst_s

    def _dice_throttle(self, plan: FaultPlan) -> bool:
        if plan.throttle_rate <= 0:
            return False
        with self._rng_lock:
            return self._rng.random() < plan.throttle_rate
