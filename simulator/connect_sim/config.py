"""Parameters of a simulated contact centre. Same parameters and seed → same world."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

DEFAULT_TIME_ZONES = ("America/Chicago", "Europe/London", "Asia/Manila", "Australia/Sydney")


def parse_utc(value: str) -> datetime:
    """'2026-11-02', '2026-11-02T06:00' or with an offset → aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class WorldConfig:
    seed: int = 42
    # The simulation starts here, with every agent logged out and every queue empty.
    start: datetime = field(default_factory=lambda: datetime(2026, 11, 2, tzinfo=UTC))
    instances: int = 1
    agents_per_instance: int = 40
    standard_queues_per_instance: int = 6
    region: str = "us-west-2"
    account_id: str = "123456789012"
    # One site time zone per instance (cycled): shifts and the daily arrival curve follow it.
    time_zones: tuple[str, ...] = DEFAULT_TIME_ZONES
    # Multiplies every queue's arrival rate.
    volume_scale: float = 1.0
    # Share of agents whose configuration changes, and who are deleted, per simulated week.
    user_change_rate: float = 0.05
    user_delete_rate: float = 0.02
    # Extra instances ListInstances and DescribeInstance show in these statuses
    # ("CREATION_IN_PROGRESS", "CREATION_FAILED"), created at the start; every other
    # operation answers ResourceNotFoundException for them. A failed one is listed for 24 h
    # only, as AWS documents (docs/aws-sources.md §6).
    instances_not_active: tuple[str, ...] = ()
    # The Kinesis stream (ARN) every instance writes agent events to, as
    # ListInstanceStorageConfigs (AGENT_EVENTS) shows it; "" for agent event streaming off.
    agent_event_stream_arn: str = ""

    @property
    def start_ms(self) -> int:
        return to_ms(self.start)

    def time_zone_of(self, instance_index: int) -> str:
        return self.time_zones[instance_index % len(self.time_zones)]
