"""The built-in simulated contact centre as a background process, for the main job's demo."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

# Site time zones around the world; the demo picks one where it is mid-morning now, so the
# live part shows agents at work whatever the hour.
SITE_ZONES = (
    "Pacific/Honolulu", "America/Los_Angeles", "America/Chicago", "America/New_York",
    "America/Sao_Paulo", "Atlantic/Azores", "Europe/London", "Europe/Berlin", "Europe/Athens",
    "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Manila",
    "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
)
STREAM = "connect-agent-events"
REGION = "us-west-2"


def busiest_zone(now: datetime | None = None) -> str:
    """The zone whose local time is closest to 11:00."""
    now = now or datetime.now(UTC)

    def distance(zone: str) -> float:
        local = now.astimezone(ZoneInfo(zone))
        hours = local.hour + local.minute / 60
        return min(abs(hours - 11), 24 - abs(hours - 11))

    return min(SITE_ZONES, key=distance)


@dataclass
class SimulatorEndpoints:
    connect_url: str
    kinesis_url: str
    stream_name: str
    start: str  # the simulated world's UTC start, to recompute the truth
    seed: int
    agents: int
    time_zone: str
    backlog_hours: float
    instances: tuple[tuple[str, str], ...] = ()  # (instance id, site time zone) of each instance
    simulated_now: str = ""  # the simulated clock when the server opened (UTC)

    def world(self, until_ms: int):
        """The served world rebuilt in this process (same seed and start), advanced to until_ms."""
        from connect_sim.config import WorldConfig, parse_utc
        from connect_sim.world import World

        world = World(WorldConfig(seed=self.seed, start=parse_utc(self.start), agents_per_instance=self.agents,
                                  time_zones=(self.time_zone,)))
        world.clock.set(until_ms)
        world.sync()
        return world

    def tap_env(self, history_start: str, live_seconds: int) -> dict[str, str]:
        """Settings both taps take from the environment to read the simulator."""
        return {
            "TAP_AMAZON_CONNECT_AWS_ENDPOINT_URL": self.connect_url,
            "TAP_AMAZON_CONNECT_AWS_REGION": REGION,
            "TAP_AMAZON_CONNECT_AWS_ACCESS_KEY_ID": "simulator",
            "TAP_AMAZON_CONNECT_AWS_SECRET_ACCESS_KEY": "simulator",
            "TAP_AMAZON_CONNECT_START_DATE": history_start,
            "TAP_AMAZON_CONNECT_API_QUOTAS": '{"*": 50}',  # the demo simulator enforces no quotas
            "TAP_CONNECT_KINESIS_AWS_ENDPOINT_URL": self.kinesis_url,
            "TAP_CONNECT_KINESIS_AWS_REGION": REGION,
            "TAP_CONNECT_KINESIS_AWS_ACCESS_KEY_ID": "simulator",
            "TAP_CONNECT_KINESIS_AWS_SECRET_ACCESS_KEY": "simulator",
            "TAP_CONNECT_KINESIS_STREAM_NAME": self.stream_name,
            "TAP_CONNECT_KINESIS_START_POSITION": "TRIM_HORIZON",
            "TAP_CONNECT_KINESIS_MAX_RUN_SECONDS": str(live_seconds),
        }


class SimulatorService:
    """`connect-sim serve` in real time with some history, events into a local Kinesis."""

    def __init__(self, log_path: Path, history_days: float = 2.0, backlog_hours: float = 3.0,
                 agents: int = 40, seed: int = 42, time_zone: str | None = None,
                 event_shape: str = "documented", start: str | None = None, shards: int = 2,
                 start_timeout_s: float = 180, speed: float = 1.0):
        """`event_shape`: "documented" (only what AWS documents) or "full" (AgentStatus.Type too).
        `speed`: simulated seconds per wall second once it opens (1: real time).
        `start` (UTC, ISO 8601): the world of that start, simulated up to now (`--until-now`):
        the same seed, start and agents give the same world, events and event ids as any
        earlier server of them; without it, a new world `history_days` before now."""
        self.log_path = log_path
        when = ["--start", start, "--until-now"] if start else ["--history-days", str(history_days)]
        self.args = [
            sys.executable, "-m", "connect_sim.cli", "serve", "--port", "0", "--seed", str(seed),
            "--agents", str(agents), *when, "--speed", f"{speed:g}",
            "--kinesis-endpoint", "moto", "--stream-name", STREAM, "--shards", str(shards),
            "--kinesis-backlog-hours", f"{backlog_hours:.4f}", "--time-zone", time_zone or busiest_zone(),
            "--event-shape", event_shape,
        ]
        self._agents, self._backlog_hours, self._start_timeout_s = agents, backlog_hours, start_timeout_s
        self._process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        """The simulator's process (for measuring what it costs)."""
        return self._process.pid if self._process else None

    def __enter__(self) -> SimulatorEndpoints:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self._process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=log, text=True)
        lines: list[str] = []
        deadline = time.monotonic() + self._start_timeout_s
        while time.monotonic() < deadline:
            line = self._process.stdout.readline()
            if not line:
                break
            lines.append(line)
            log.write(line)
            log.flush()
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        connect = re.search(r"Simulated Amazon Connect at (\S+)", text)
        kinesis = re.search(r"Kinesis stream '([^']+)' at (\S+)", text)
        world = re.search(r"World: start (\S+), seed (\d+), time zone (\S+)", text)
        clock = re.search(r"simulated time (\S+ \S+)Z", text)
        if not (connect and kinesis and world):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the simulator did not start; see {self.log_path}")
        instances = tuple(re.findall(r"^  instance (\S+)  \(.*, (\S+)\)$", text, re.MULTILINE))
        return SimulatorEndpoints(connect.group(1), kinesis.group(2), kinesis.group(1), world.group(1),
                                  int(world.group(2)), self._agents, world.group(3), self._backlog_hours,
                                  instances, clock.group(1).replace(" ", "T") + "Z" if clock else "")

    def __exit__(self, *exc_info: object) -> None:
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
