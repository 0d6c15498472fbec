"""Each agent's day: the planned shift (the schedule) and what the agent actually does.

Plans follow the site's local time (DST included). Agents keep to the plan only roughly:
they log in a little early or late, stretch breaks, and now and then start late.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .ids import seeded
from .model import ScheduledActivity

MINUTE_MS = 60_000
# Shift start hours (local) and how many agents favour each.
SHIFT_STARTS = ((6, 1), (7, 3), (8, 4), (9, 4), (10, 3), (11, 2), (12, 2), (13, 2), (14, 1))
SHIFT_MINUTES = 510  # 8 h work + 30 min lunch


@dataclass(frozen=True, slots=True)
class AgentAction:
    at_ms: int
    kind: str  # LOGIN | STATUS | LOGOUT
    status_name: str | None = None


@dataclass(frozen=True, slots=True)
class DayPlan:
    schedule: tuple[ScheduledActivity, ...]
    actions: tuple[AgentAction, ...]


def local_midnight_ms(day: date, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, time(0), tzinfo=tz).timestamp() * 1000)


def local_ms(day: date, minute_of_day: float, tz: ZoneInfo) -> int:
    # Aware datetime arithmetic is wall-clock arithmetic: 09:00 stays 09:00 across DST.
    moment = datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute_of_day)
    return int(moment.timestamp() * 1000)


def works_on(seed: int, user_id: str, day: date) -> bool:
    """Five days a week; each agent has two fixed days off."""
    rng = seeded(seed, "days-off", user_id)
    first_off = rng.choice((5, 5, 5, 6, 0, 1, 2, 3, 4))  # mostly weekends
    return day.weekday() not in (first_off, (first_off + 1) % 7)


def shift_start_hour(seed: int, user_id: str) -> int:
    rng = seeded(seed, "shift-start", user_id)
    hours = [h for h, weight in SHIFT_STARTS for _ in range(weight)]
    return rng.choice(hours)


def plan_day(seed: int, instance_id: str, user_id: str, day: date, tz: ZoneInfo) -> DayPlan | None:
    if not works_on(seed, user_id, day):
        return None
    rng = seeded(seed, "plan", user_id, day.isoformat())
    start_min = shift_start_hour(seed, user_id) * 60 + rng.choice((0, 0, 15, 30))
    blocks = _schedule_blocks(rng, start_min)
    schedule = tuple(
        ScheduledActivity(instance_id, user_id, activity, local_ms(day, a, tz), local_ms(day, b, tz))
        for activity, a, b in blocks
    )
    return DayPlan(schedule, _actions(rng, schedule))


def _schedule_blocks(rng: random.Random, start: int) -> list[tuple[str, int, int]]:
    """(activity, start minute, end minute) covering the shift without gaps."""
    end = start + SHIFT_MINUTES
    breaks = [
        ("BREAK", start + 120 + rng.choice((0, 15)), 15),
        ("LUNCH", start + 240 + rng.choice((-15, 0, 15)), 30),
        ("BREAK", start + 390 + rng.choice((0, 15)), 15),
    ]
    if rng.random() < 0.15:
        breaks.append(("TRAINING", start + 300 + rng.choice((0, 30)), 60))
    elif rng.random() < 0.1:
        breaks.append(("MEETING", start + 60 + rng.choice((0, 30)), 30))
    breaks.sort(key=lambda b: b[1])
    blocks, cursor = [], start
    for activity, at, length in breaks:
        at = max(at, cursor)
        if at > cursor:
            blocks.append(("OPEN", cursor, at))
        blocks.append((activity, at, at + length))
        cursor = at + length
    if cursor < end:
        blocks.append(("OPEN", cursor, end))
    return blocks


def _actions(rng: random.Random, schedule: tuple[ScheduledActivity, ...]) -> tuple[AgentAction, ...]:
    def jitter(sd_s: float) -> int:
        return int(rng.gauss(0, sd_s) * 1000)

    late_ms = int(rng.uniform(5, 25) * MINUTE_MS) if rng.random() < 0.08 else 0
    login = schedule[0].start_ms - int(rng.uniform(1, 6) * MINUTE_MS) + late_ms + jitter(30)
    actions = [AgentAction(login, "LOGIN")]
    cursor = login + int(rng.uniform(5, 60) * 1000)
    for block in schedule:
        status = "Available" if block.activity == "OPEN" else block.activity.title()
        at = max(cursor, block.start_ms + jitter(45) + (late_ms if block is schedule[0] else 0))
        actions.append(AgentAction(at, "STATUS", status))
        cursor = at + 1000
    end = max(cursor, schedule[-1].end_ms + jitter(60))
    actions.append(AgentAction(end, "STATUS", "Offline"))
    actions.append(AgentAction(end + int(rng.uniform(10, 40) * 1000), "LOGOUT"))
    return tuple(actions)
