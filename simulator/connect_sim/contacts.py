"""How one contact will go: the customer's patience, how each offer to an agent goes
(rings through, missed or failed, and how long the agent takes to clear one that went
unanswered) and, once answered, its course.

Drawn from a random stream of the contact's own, so a contact behaves the same whatever
else happens in the world.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .ids import seeded

SECOND = 1000
# channel: (patience mean s, ring range s, non-response probability,
#           talk median s, talk sigma, ACW median s, transfer probability)
PROFILES = {
    "VOICE": (110, (3, 12), 0.03, 200, 0.6, 25, 0.04),
    "CHAT": (300, (2, 8), 0.02, 480, 0.5, 15, 0.02),
    "TASK": (None, (2, 8), 0.05, 240, 0.7, 10, 0.0),
}
MAX_OFFERS = 4
# Share of offers that fail in State ERROR instead of ringing through (e.g. the softphone
# loses its connection); rare, and only on VOICE.
ERROR_PROBABILITY = {"VOICE": 0.008}
# A missed, rejected or failed offer stays with the agent until the agent clears it:
# this many seconds, mostly at the short end.
CLEAR_RANGE_S = (3, 60)


@dataclass(frozen=True, slots=True)
class ContactCourse:
    patience_ms: int  # waiting this long in queue, the customer abandons
    ring_ms: tuple[int, ...]  # offer time for each successive offer
    responds: tuple[bool, ...]  # whether the agent accepts each successive offer
    talk_ms: int  # interaction time, hold excluded
    hold_at_ms: int | None  # when in the talk the hold starts
    hold_ms: int
    acw_ms: int
    transfer: bool
    transfer_pick: float  # picks the target queue when transferring
    fails: tuple[bool, ...]  # whether each successive offer fails (State ERROR) instead of ringing through
    clear_ms: tuple[int, ...]  # how long the agent takes to clear each offer that went unanswered


def draw_course(seed: int, contact_id: str, channel: str) -> ContactCourse:
    rng = seeded(seed, "contact", contact_id)
    patience_mean, (ring_lo, ring_hi), miss_p, talk_median, talk_sigma, acw_median, transfer_p = (
        PROFILES[channel]
    )
    patience = 86_400 * SECOND if patience_mean is None else int(
        max(5.0, rng.expovariate(1 / patience_mean)) * SECOND
    )
    ring = tuple(int(rng.uniform(ring_lo, ring_hi) * SECOND) for _ in range(MAX_OFFERS))
    responds = (*tuple(rng.random() >= miss_p for _ in range(MAX_OFFERS - 1)), True)
    talk = int(min(7200.0, max(10.0, rng.lognormvariate(math.log(talk_median), talk_sigma))) * SECOND)
    hold_at, hold = None, 0
    if channel == "VOICE" and rng.random() < 0.25:
        hold_at = int(talk * rng.uniform(0.2, 0.7))
        hold = int(rng.uniform(15, 150) * SECOND)
    acw = int(max(1.0, rng.lognormvariate(math.log(acw_median), 0.5)) * SECOND)
    transfer, transfer_pick = rng.random() < transfer_p, rng.random()
    # Drawn last, so the draws above stay what they were before these existed.
    error_p = ERROR_PROBABILITY.get(channel, 0.0)
    fails = (*tuple(rng.random() < error_p for _ in range(MAX_OFFERS - 1)), False)
    clear = tuple(_clear_ms(rng) for _ in range(MAX_OFFERS))
    return ContactCourse(patience, ring, responds, talk, hold_at, hold, acw, transfer, transfer_pick,
                         fails, clear)


def _clear_ms(rng: random.Random) -> int:
    low, high = CLEAR_RANGE_S
    return int((low + (high - low) * rng.random() ** 2) * SECOND)  # squared: skewed short
