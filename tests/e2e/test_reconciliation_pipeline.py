"""simulator → tap-connect-kinesis and tap-amazon-connect (agent_activity_metrics) →
target-postgres → dbt (the adherence and reconciliation builds of meltano.yml) →
wfm_agent_reconciliation, with real `meltano run`: with every agent event read, the events
match Connect's own per-agent time in every interval Connect has settled; with half an hour of
them never loaded (a consumer down past the stream's retention) exactly the agent-intervals
around that stretch are flagged; when the events arrive after all (read again), the next
incremental build clears the flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connect_sim import truth

from .conftest import zone_where_it_is

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("meltano-c")]
ACTIVITY = ("online_seconds", "idle_seconds", "on_contact_seconds", "non_productive_seconds",
            "error_status_seconds")


@pytest.fixture
def site_time_zone() -> str:
    """Early afternoon at the site whenever the test runs: most agents have been working for
    hours (at 09:00 local only the early shifts had started: too few intervals to judge)."""
    return zone_where_it_is(14)


@pytest.fixture
def simulated_history() -> tuple[float, float, int]:
    """Six hours of a 12-agent centre (the site's day up to now), every agent event of it still
    in Kinesis: the events are complete from the first login."""
    return 0.25, 7.0, 12


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_complete_events_match_connects_agent_time_in_every_settled_interval(pipeline):
    pipeline.meltano("run", "tap-amazon-connect-config", "target-postgres")
    pipeline.meltano("run", "tap-connect-kinesis", "target-postgres")
    pipeline.meltano("run", "tap-amazon-connect-reconciliation", "target-postgres")
    read_at = pipeline.query("select max(collected_at) from raw.agent_activity_metrics")[0][0]
    pipeline.meltano("run", "dbt-postgres:build-adherence", "dbt-postgres:build-reconciliation")

    # what the tap loaded is Connect's (the simulator's) time per agent and interval
    world = pipeline.truth_world()
    instance_id = world.directory.instances[0].id
    loaded = {(agent, start.replace(tzinfo=UTC)): values for agent, start, *values in pipeline.query(
        f"select agent_id, interval_start, {', '.join(ACTIVITY)} from raw.agent_activity_metrics")}
    first = min(start for _, start in loaded)
    end = read_at.replace(tzinfo=UTC) - timedelta(minutes=5)
    end = end.replace(minute=end.minute // 15 * 15, second=0, microsecond=0)
    expected = {(r["agent_id"], datetime.fromisoformat(r["interval_start"].replace("Z", "+00:00"))): r
                for r in truth.agent_activity(world, instance_id, _ms(first), _ms(end))}
    assert set(loaded) == set(expected) and len(expected) > 50
    for key, values in loaded.items():
        assert [float(v) for v in values] == pytest.approx([expected[key][c] for c in ACTIVITY], abs=1e-3), key

    statuses = dict(pipeline.query("select status, count(*) from wfm.wfm_agent_reconciliation group by status"))
    assert statuses.get("match", 0) > 20
    assert set(statuses) <= {"match", "connect_pending"}, statuses
    online = pipeline.query("select sum(connect_online_seconds), sum(events_online_seconds) "
                            "from wfm.wfm_agent_reconciliation where status = 'match'")[0]
    assert online[0] > 3600 and abs(online[0] - online[1]) < 0.01
    settled = [start for (start,) in pipeline.query(
        "select distinct interval_start_at from wfm.wfm_agent_reconciliation where status = 'match' order by 1")]

    # Half an hour of agent events never loaded, the marts rebuilt from what was loaded
    lo = settled[len(settled) // 3]
    hi = lo + timedelta(minutes=30)
    matched = "select agent_id, interval_start_at from wfm.wfm_agent_reconciliation where status = 'match'"
    matched_before = set(pipeline.query(matched))
    with pipeline.database.connect() as connection:
        lost = connection.execute("delete from raw.agent_events where event_timestamp >= %s and event_timestamp < %s",
                                  (lo, hi)).rowcount
    assert lost > 5
    _build(pipeline, "--full-refresh")
    assert pipeline.query("select count(*) from wfm.wfm_agent_reconciliation where status = 'events_missing'")[0][0]
    # An agent's state is known again from its first event after the gap that changes state: a
    # heartbeat confirms, it never opens a period (so a LOGOUT lost in the gap leaves the agent
    # online in the events until the next LOGIN). Flags lie between the gap's first interval and
    # the interval of that event, per agent; an agent with no such event may stay flagged.
    flagged = pipeline.query("""
        select r.agent_id, r.interval_start_at, (
            select min(e.event_timestamp) from raw.agent_events e
            where e.agent_id = r.agent_id and e.event_type <> 'HEART_BEAT'
              and e.event_timestamp >= %s)
        from wfm.wfm_agent_reconciliation r
        where r.status in ('events_missing', 'events_extra')""", (hi,))
    assert flagged
    for agent, start, known_again in flagged:
        last = known_again.replace(minute=known_again.minute // 15 * 15, second=0, microsecond=0) \
            if known_again else datetime.max
        assert lo <= start <= last, (agent, start, lo, known_again)
    no_longer_matched = matched_before - set(pipeline.query(matched))
    assert no_longer_matched <= {(agent, start) for agent, start, _ in flagged}, "elsewhere everything matches"

    # The events arrive after all (read from the stream again): flags cleared incrementally
    pipeline.meltano("state", "clear", "--force", "dev:tap-connect-kinesis-to-target-postgres")
    pipeline.meltano("run", "tap-connect-kinesis", "target-postgres")
    _build(pipeline)
    after = dict(pipeline.query("select status, count(*) from wfm.wfm_agent_reconciliation group by status"))
    assert set(after) <= {"match", "connect_pending"}, after
    assert after.get("match") == statuses["match"]


def _build(pipeline, *flags: str) -> None:
    for selector in ("adherence", "reconciliation"):
        pipeline.meltano("invoke", "dbt-postgres", "build", "--selector", selector, *flags,
                         "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
