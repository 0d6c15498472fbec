"""When contacts arrive: a daily curve in the site's local time, sampled per 15 minutes."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .ids import new_id, seeded
from .model import Queue

BLOCK_MS = 15 * 60_000
# Relative arrival rate per local hour (peak = 1.0).
HOURLY_CURVE = (
    0.04, 0.03, 0.02, 0.02, 0.03, 0.06, 0.18, 0.45, 0.80, 0.95, 1.00, 0.97,
    0.85, 0.90, 0.95, 0.90, 0.80, 0.62, 0.45, 0.33, 0.24, 0.16, 0.10, 0.06,
)
WEEKEND_FACTOR = 0.55
# Peak contacts per hour per agent of the instance, by channel, before volume_scale.
PEAK_RATE_PER_AGENT = {"VOICE": 2.2, "CHAT": 1.1, "TASK": 0.7}


@dataclass(frozen=True, slots=True)
class Arrival:
    at_ms: int
    queue_id: str
    channel: str
    contact_id: str


def rate_per_hour(queue_weight: float, channel: str, agents: int, local: datetime, scale: float) -> float:
    weekday = 1.0 if local.weekday() < 5 else WEEKEND_FACTOR
    return PEAK_RATE_PER_AGENT[channel] * agents * queue_weight * HOURLY_CURVE[local.hour] * weekday * scale


def queue_weights(queues: list[Queue], channel: str) -> dict[str, float]:
    """Share of a channel's volume per queue: earlier queues are busier, shares sum to 1."""
    carrying = [q for q in queues if channel in q.channels]
    raw = {q.id: 1.0 / (1 + 0.35 * i) for i, q in enumerate(carrying)}
    total = sum(raw.values()) or 1.0
    return {qid: w / total for qid, w in raw.items()}


def sample_block(
    seed: int,
    instance_id: str,
    block_ms: int,
    queues: list[Queue],
    agents: int,
    tz: ZoneInfo,
    scale: float,
) -> list[Arrival]:
    """All arrivals in one 15-minute block, in time order."""
    rng = seeded(seed, "arrivals", instance_id, block_ms)
    local = datetime.fromtimestamp(block_ms / 1000, UTC).astimezone(tz)
    arrivals = []
    for channel in PEAK_RATE_PER_AGENT:
        for queue_id, weight in queue_weights(queues, channel).items():
            expected = rate_per_hour(weight, channel, agents, local, scale) * BLOCK_MS / 3_600_000
            for _ in range(_poisson(rng, expected)):
                at = block_ms + rng.randrange(BLOCK_MS)
                arrivals.append(Arrival(at, queue_id, channel, new_id(rng)))
    arrivals.sort(key=lambda a: (a.at_ms, a.contact_id))
    return arrivals


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation keeps big centres fast
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k
