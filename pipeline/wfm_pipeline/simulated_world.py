"""The demo's simulated contact centre keeps its identity from run to run.

The simulator is deterministic per seed and start: the same identity gives the same world,
the same events under the same event ids. The main job records the identity of the world
it created (seed, start, site time zone, agents, and where the collected data begins) in
the warehouse, table wfm_input.simulated_world, beside the data it produced; every later
run serves that world again, simulated from its start up to now (`connect-sim serve
--until-now`), so it continues where the last run left off in real time, and what the taps
read again is the same rows, upserted. The identity lives with the data: a warehouse
started afresh starts a new world, and the two never mix.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from .warehouse import RAW_SCHEMA, connect, table_exists

SCHEMA, TABLE = "wfm_input", "simulated_world"
QUARTER_HOUR = timedelta(minutes=15)
# The first run collects this much agent event history (the Kinesis backlog) before now.
FIRST_BACKLOG = timedelta(hours=3)
# A later run re-reads the agent events from a little before the newest one it has …
REREAD_MARGIN = timedelta(minutes=15)
# … but at most this far back: older agent events in between are gone, as from a Kinesis
# stream with a retention of 7 days.
LONGEST_BACKLOG = timedelta(days=7)


class UnrecordedWorld(RuntimeError):
    """The warehouse holds simulator data of a world nobody recorded: mixing would corrupt it."""


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class WorldIdentity:
    seed: int
    start: str  # UTC, ISO 8601: the simulation starts here
    time_zone: str  # the simulated site's zone
    agents: int
    history_start: str  # tap-amazon-connect's start_date: queue history from here
    events_from: str  # the first agent events collected (and the schedule's start)
    created_at: str
    new: bool = False  # created by this run

    def backlog_from(self, now: datetime, newest_event: datetime | None) -> datetime:
        """Where this run's Kinesis stream starts: every agent event since the newest one
        loaded (with a margin: the tap re-reads them, the target upserts), at most
        LONGEST_BACKLOG back; the whole first stretch when none is loaded yet."""
        first = parse(self.events_from)
        if newest_event is None:
            return first
        return max(first, newest_event - REREAD_MARGIN, now - LONGEST_BACKLOG)

    @classmethod
    def create(cls, now: datetime, history_days: float, time_zone: str, seed: int = 42,
               agents: int = 40) -> WorldIdentity:
        start = now - timedelta(days=history_days)
        start -= (start - datetime(2000, 1, 1, tzinfo=UTC)) % QUARTER_HOUR
        return cls(seed, iso(start), time_zone, agents,
                   history_start=iso(now - timedelta(days=max(history_days - 0.1, 0.05))),
                   events_from=iso(now - FIRST_BACKLOG), created_at=iso(now), new=True)


COLUMNS = ("seed", "world_start", "time_zone", "agents", "history_start", "events_from", "created_at")


def load(settings) -> WorldIdentity | None:
    """The recorded world, or None. UnrecordedWorld when agent events are loaded but no world
    is recorded (a warehouse an earlier version of the job filled, with a new world each run)."""
    with connect(settings) as query:
        if table_exists(query, SCHEMA, TABLE):
            rows = query(f"select {', '.join(COLUMNS)} from {SCHEMA}.{TABLE} order by created_at desc")
            if rows:
                row = dict(rows[0])
                return WorldIdentity(start=row.pop("world_start"), **{**row, "seed": int(row["seed"]),
                                                                       "agents": int(row["agents"])})
        if table_exists(query, RAW_SCHEMA, "agent_events") and query(
                f"select 1 as found from {RAW_SCHEMA}.agent_events limit 1"):
            raise UnrecordedWorld(
                "the warehouse holds agent events of a simulated world that was not recorded (an earlier "
                "version of the job started a new world on every run): continuing it would mix two worlds")
    return None


def save(settings, world: WorldIdentity) -> None:
    values = asdict(world)
    values["world_start"] = values.pop("start")
    with connect(settings, write=True) as query:
        query(f"create schema if not exists {SCHEMA}")
        query(f"create table if not exists {SCHEMA}.{TABLE} (seed integer, world_start text, time_zone text, "
              "agents integer, history_start text, events_from text, created_at text)")
        query(f"delete from {SCHEMA}.{TABLE}")
        query(f"insert into {SCHEMA}.{TABLE} ({', '.join(COLUMNS)}) values ({', '.join(['%s'] * len(COLUMNS))})",
              tuple(values[c] for c in COLUMNS))
