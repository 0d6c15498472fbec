"""Faults a run can ask for: throttling, denied actions, restated figures, slow answers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(slots=True)
class FaultPlan:
    # Probability that any one API call is throttled (0..1).
    throttle_rate: float = 0.0
    # Bursts: within every `throttle_burst_period_s` seconds of wall time, the first
    # `throttle_burst_s` seconds throttle every call. 0 disables bursts.
    throttle_burst_s: float = 0.0
    throttle_burst_period_s: float = 60.0
    # Connect's documented per-operation quotas (api/quotas.py): a call beyond its
    # operation's token bucket is throttled, as on a real account.
    realistic_quotas: bool = False
    # API operation names (e.g. "GetMetricDataV2") answered with AccessDeniedException.
    access_denied: frozenset[str] = field(default_factory=frozenset)
    # Figures of a finished contact become visible up to this many seconds after it ends,
    # so an interval read soon after it closes is later restated (as Connect does).
    restate_window_s: int = 0
    # Extra latency added to every API answer, in milliseconds.
    slow_ms: int = 0
    # Probability that the Kinesis writer sends an agent event twice (at-least-once).
    duplicate_rate: float = 0.0
    # Seed for the fault dice, so a faulty run is repeatable too.
    seed: int = 0

    def publish_delay_ms(self, contact_id: str) -> int:
        """Deterministic per-contact delay before its final figures show in the metric APIs."""
        if self.restate_window_s <= 0:
            return 0
        digest = hashlib.blake2b(f"{self.seed}:{contact_id}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") % (self.restate_window_s * 1000 + 1)
