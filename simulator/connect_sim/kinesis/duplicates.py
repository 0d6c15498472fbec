"""At-least-once delivery: which events a stream carries twice, as a Connect switch-over does.

The dice are seeded (FaultPlan.seed) and rolled per EventId, so a run is repeatable and the
Kinesis and file writers duplicate the same events. A duplicate follows its original
directly, so it never overtakes a later event of the agent.
"""

from __future__ import annotations

import hashlib

from ..faults import FaultPlan

_SCALE = float(1 << 64)


def is_duplicated(faults: FaultPlan | None, event_id: str) -> bool:
    if faults is None or faults.duplicate_rate <= 0:
        return False
    digest = hashlib.blake2b(f"{faults.seed}:dup:{event_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE < faults.duplicate_rate
