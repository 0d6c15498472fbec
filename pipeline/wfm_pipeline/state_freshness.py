"""How long an agent's state change takes to reach the WFM agent state tables.

A watcher polls `wfm_agent_state_transaction` (the rows written in the last minute, by their
`_wfm_written_at` index) and `wfm_agent_current_state` (a few rows per agent) and records
when each source event first shows in each. Against the Kinesis arrival time of the event
(`approximate_arrival_timestamp`, which Kinesis stamps when `PutRecord` accepts it, kept by
tap-connect-kinesis in raw.agent_events) that is the latency from `put_record` to the row an
adherence board reads. Used by the end-to-end test of the real-time path and by
benchmarks/realtime_latency.py.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg import sql

TABLES = ("wfm_agent_state_transaction", "wfm_agent_current_state")
# dbt stamps _wfm_written_at when its transaction starts, and commits later: re-read a margin
REWRITE_MARGIN_S = 60


@dataclass(frozen=True)
class Latencies:
    table: str
    seconds: tuple[float, ...]  # sorted

    def percentile(self, share: float) -> float:
        return self.seconds[min(len(self.seconds) - 1, int(share * len(self.seconds)))]

    @property
    def summary(self) -> str:
        if not self.seconds:
            return f"{self.table}: no state change seen"
        return (f"{self.table}: {len(self.seconds)} state changes, p50 {self.percentile(0.5):.2f} s, "
                f"p95 {self.percentile(0.95):.2f} s, p99 {self.percentile(0.99):.2f} s, "
                f"max {self.seconds[-1]:.2f} s, mean {statistics.fmean(self.seconds):.2f} s")


class StateWatcher(threading.Thread):
    """`connect()` gives a new psycopg connection to the warehouse; `schema` holds the marts."""

    def __init__(self, connect: Callable[[], object], schema: str = "wfm", every_s: float = 0.25) -> None:
        super().__init__(name="state-watcher", daemon=True)
        self.connect = connect
        self.schema = schema
        self.every_s = every_s
        self.first_seen: dict[str, dict[str, float]] = {table: {} for table in TABLES}
        self.error: BaseException | None = None
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            with self.connect() as connection:
                connection.autocommit = True
                written_since = None
                while not self._stopping.is_set():
                    written_since = self._poll(connection, written_since)
                    self._stopping.wait(self.every_s)
        except BaseException as error:  # reported by stop()
            self.error = error

    def _poll(self, connection, written_since: datetime | None):
        transactions = connection.execute(
            sql.SQL("select source_event_id, _wfm_written_at from {} where _wfm_written_at >= %s").format(
                sql.Identifier(self.schema, "wfm_agent_state_transaction")),
            (written_since or datetime(1900, 1, 1),)).fetchall()
        current = connection.execute(sql.SQL("select source_event_id from {}").format(
            sql.Identifier(self.schema, "wfm_agent_current_state"))).fetchall()
        seen_at = time.time()
        self._record("wfm_agent_state_transaction", (row[0] for row in transactions), seen_at)
        self._record("wfm_agent_current_state", (row[0] for row in current), seen_at)
        newest = max((row[1] for row in transactions), default=None)
        if newest is None:
            return written_since
        return newest - timedelta(seconds=REWRITE_MARGIN_S)

    def _record(self, table: str, event_ids: Iterable[str], seen_at: float) -> None:
        seen = self.first_seen[table]
        for event_id in event_ids:
            if event_id is not None and event_id not in seen:
                seen[event_id] = seen_at

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=30)
        if self.error is not None:
            raise RuntimeError(f"the state watcher failed: {self.error}") from self.error

    def latencies(self, arrivals: dict[str, float], since: float) -> list[Latencies]:
        """Per table, first sighting minus Kinesis arrival (epoch seconds) of each event that
        arrived at or after `since`."""
        result = []
        for table in TABLES:
            seen = self.first_seen[table]
            result.append(Latencies(table, tuple(sorted(
                seen[event_id] - arrived for event_id, arrived in arrivals.items()
                if arrived >= since and event_id in seen))))
        return result


def arrival_times(connection, event_ids: Iterable[str], raw_schema: str = "raw") -> dict[str, float]:
    """Kinesis' arrival time (epoch seconds) of each loaded event."""
    rows = connection.execute(
        sql.SQL("select event_id, extract(epoch from approximate_arrival_timestamp) from {} "
                "where event_id = any(%s)").format(sql.Identifier(raw_schema, "agent_events")),
        (list(event_ids),)).fetchall()
    return {event_id: float(epoch) for event_id, epoch in rows if epoch is not None}
