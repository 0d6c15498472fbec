"""The figures of the report's reconciliation section, from wfm_agent_reconciliation: does
Connect's own per-agent time (GetMetricDataV2, tap-amazon-connect's agent_activity_metrics)
agree with the agent events the adherence tables are built from? README, "Is the adherence
data complete?", says how an operator reads it; report.py formats it.

The window is the last `hours` of intervals Connect has settled (status other than
connect_pending), up to the newest settled one, from the first interval reconciled at the
earliest; intervals still pending are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .warehouse import WFM_SCHEMA, as_utc, naive_utc, table_exists

TABLE = "wfm_agent_reconciliation"
JUDGED = ("online", "idle", "on_contact", "non_productive")  # the categories the status judges
WORST_SHOWN = 10
MISSING_INTERVALS_SHOWN = 12


@dataclass
class Reconciliation:
    window_start: datetime | None = None  # UTC; None: nothing settled yet
    window_end: datetime | None = None
    statuses: dict[str, int] = field(default_factory=dict)  # status → agent-intervals in the window
    pending: int = 0  # agent-intervals Connect has not settled yet (after the window)
    settled_through: datetime | None = None  # where Connect's settled intervals end
    worst: list[dict] = field(default_factory=list)  # the agent-intervals furthest apart
    missing_intervals: list[dict] = field(default_factory=list)  # intervals with events_missing agents
    missing_interval_count: int = 0

    @property
    def settled(self) -> int:
        return sum(self.statuses.values())

    @property
    def matched(self) -> int:
        return self.statuses.get("match", 0)


def collect(query, hours: float = 24.0) -> Reconciliation | None:
    """None where the reconciliation is not built, or Connect's per-agent time is not collected."""
    if not table_exists(query, WFM_SCHEMA, TABLE):
        return None
    t = f"{WFM_SCHEMA}.{TABLE}"
    row = query(f"""select count(*) as n,
                           max(case when status <> 'connect_pending' then interval_end_at end) as settled_end,
                           max(connect_settled_through_at) as settled_through,
                           min(interval_start_at) as first_start,
                           count(case when status = 'connect_pending' then 1 end) as pending
                    from {t}""")[0]
    if not row["n"]:
        return None
    result = Reconciliation(settled_through=as_utc(row["settled_through"]), pending=int(row["pending"]))
    end = as_utc(row["settled_end"])
    if end is None:
        return result
    result.window_start, result.window_end = max(end - timedelta(hours=hours), as_utc(row["first_start"])), end
    window = (naive_utc(result.window_start), naive_utc(end))
    in_window = "r.interval_start_at >= %s and r.interval_end_at <= %s and r.status <> 'connect_pending'"
    result.statuses = {r["status"]: int(r["n"]) for r in query(
        f"select r.status, count(*) as n from {t} r where {in_window} group by r.status", window)}
    distance = " + ".join(f"abs(r.{c}_difference_seconds)" for c in JUDGED)
    result.worst = query(f"""
        select coalesce(a.username, r.agent_id) as agent, r.interval_start_at, r.status, r.mismatched_categories,
               r.events_online_seconds, r.connect_online_seconds, r.online_difference_seconds,
               r.idle_difference_seconds, r.on_contact_difference_seconds, r.non_productive_difference_seconds,
               {distance} as distance
        from {t} r
        left join {WFM_SCHEMA}.wfm_agent a on a.instance_id = r.instance_id and a.agent_id = r.agent_id
        where {in_window} and r.status in ('events_missing', 'events_extra')
        order by distance desc, r.interval_start_at desc, agent
        limit {WORST_SHOWN}""", window)
    for r in result.worst:
        r["interval_start_at"] = as_utc(r["interval_start_at"])
    missing = query(f"""
        select r.interval_start_at, count(*) as agents,
               sum(greatest(-r.online_difference_seconds, 0)) as online_seconds_missing
        from {t} r
        where {in_window} and r.status = 'events_missing'
        group by r.interval_start_at
        order by r.interval_start_at desc""", window)
    result.missing_interval_count = len(missing)
    result.missing_intervals = [{**r, "interval_start_at": as_utc(r["interval_start_at"])}
                                for r in missing[:MISSING_INTERVALS_SHOWN]]
    return result
