"""wfm_agent_reconciliation: the agent events (the adherence data) against Connect's own time
per agent and interval (tap-amazon-connect's agent_activity_metrics, here the simulator's
ground truth, as the tap reads it: tap-amazon-connect/tests/test_agent_activity_metrics.py).

Complete events match Connect in every interval Connect has settled; a stretch of events
lost for good (a consumer down past the stream's retention) flags exactly the agent-intervals
whose derived time it changed, as events_missing; a late batch of the same events clears the
flags on the next incremental run, which equals a full refresh."""

from __future__ import annotations

from datetime import datetime

import pytest
import wfm_checks as checks
import wfm_raw_fixtures as rf
from wfm_dbt import duckdb_env, postgres_env, run_dbt

pytestmark = pytest.mark.slow

HOUR_MS = 3_600_000
BUILD = ["build", "--select", "+wfm_agent_reconciliation", "--indirect-selection", "cautious"]
JUDGED = ("online", "idle", "on_contact", "non_productive")
MART = "wfm.wfm_agent_reconciliation"
# A consumer down for 90 minutes of a busy morning (10:00-11:30 at the site, America/Chicago)
# and its events never read: past the stream's retention.
OUTAGE = (16 * HOUR_MS, 17 * HOUR_MS + HOUR_MS // 2)


def _event_ms(row: dict) -> int:
    return round(datetime.fromisoformat(row["event_timestamp"].replace("Z", "+00:00")).timestamp() * 1000)


def _tables(day: rf.SimulatedDay, events: list[dict]) -> dict[str, list[dict]]:
    end = day.start_ms + rf.DAY_MS
    tables = rf.raw_tables(day, events, day.start_ms, end)
    tables["agent_activity_metrics"] = rf.agent_activity_rows(day, day.start_ms, end)
    return tables


def _split(day: rf.SimulatedDay) -> tuple[list[dict], list[dict]]:
    """The day's agent_events rows, and those of the outage apart."""
    rows = rf.agent_event_loads(day, duplicate_share=0.02)[0]
    lo, hi = day.start_ms + OUTAGE[0], day.start_ms + OUTAGE[1]
    kept = [r for r in rows if not lo <= _event_ms(r) < hi]
    lost = [r for r in rows if lo <= _event_ms(r) < hi]
    return kept, lost


def _rows(query) -> dict[tuple, dict]:
    columns = ["status", "mismatched_categories", "tolerance_seconds", "idle_on_contact_tolerance_seconds",
               *(f"{side}_{c}_seconds" for c in JUDGED for side in ("events", "connect"))]
    rows = query(f"select agent_id, interval_start_at, {', '.join(columns)} from {MART}")
    return {(agent, checks.ms(start)): dict(zip(columns, values, strict=True)) for agent, start, *values in rows}


def _settled(rows: dict) -> dict:
    return {k: r for k, r in rows.items() if r["status"] != "connect_pending"}


def _assert_complete_events_match(day: rf.SimulatedDay, query) -> dict:
    rows = _rows(query)
    settled = _settled(rows)
    newest_read = day.world.now_ms
    assert len(settled) > 300
    assert {r["status"] for r in settled.values()} == {"match"}, [
        (k, r) for k, r in settled.items() if r["status"] != "match"][:5]
    # pending: exactly the intervals that end less than the settle time (60 min) before Connect's read
    assert {k for k, r in rows.items() if r["status"] == "connect_pending"} == {
        k for k in rows if k[1] + 15 * 60_000 > newest_read - HOUR_MS}
    # Connect's side is Connect's: the truth, per agent and interval
    truth = {(r["agent_id"], round(datetime.fromisoformat(r["interval_start"].replace("Z", "+00:00"))
                                   .timestamp() * 1000)): r
             for r in rf.truth.agent_activity(day.world, day.instance_id, day.start_ms, day.start_ms + rf.DAY_MS)}
    for key, row in rows.items():
        expected = truth.get(key, {})
        assert float(row["connect_online_seconds"]) == pytest.approx(expected.get("online_seconds", 0), abs=1e-3)
        assert float(row["connect_on_contact_seconds"]) == pytest.approx(
            expected.get("on_contact_seconds", 0), abs=1e-3)
    # the events say exactly what Connect says but for ring time (on contact in the events)
    for row in settled.values():
        for category in ("online", "idle", "non_productive"):
            assert float(row[f"events_{category}_seconds"]) == pytest.approx(
                float(row[f"connect_{category}_seconds"]), abs=1e-3)
        ring = float(row["events_on_contact_seconds"]) - float(row["connect_on_contact_seconds"])
        assert -1e-3 <= ring <= float(row["idle_on_contact_tolerance_seconds"])
    assert any(float(r["events_on_contact_seconds"]) > float(r["connect_on_contact_seconds"]) + 5
               for r in settled.values()), "ring time shows, within the tolerance"
    return rows


@pytest.mark.parametrize("engine", ["postgres", "duckdb"])
def test_complete_events_match_connect_in_every_settled_interval(engine, day, request, tmp_path):
    events = rf.agent_event_loads(day, duplicate_share=0.02)[0]
    if engine == "duckdb":
        import duckdb

        path = tmp_path / "warehouse.duckdb"
        rf.write_duckdb(str(path), _tables(day, events))
        run_dbt(BUILD, tmp_path, duckdb_env(path))
        con = duckdb.connect(str(path), read_only=True)
        try:
            _assert_complete_events_match(day, lambda sql: con.execute(sql).fetchall())
        finally:
            con.close()
        return
    database = request.getfixturevalue("postgres_database")
    with database.connect() as conn:
        rf.write_postgres(conn, _tables(day, events))
    run_dbt(BUILD, tmp_path, postgres_env(database))
    with database.connect() as conn:
        _assert_complete_events_match(day, lambda sql: conn.execute(sql).fetchall())


def test_events_lost_past_retention_flag_exactly_the_affected_agent_intervals(day, postgres_database, tmp_path):
    """Affected: the agent-intervals whose time derived from the events changes when the
    outage's events are gone (beyond the tolerance). That is more than the outage's 90
    minutes: an agent's state stays the one before the outage until its next state change
    (a heartbeat confirms, it never corrects), and an agent whose LOGIN was lost stays logged
    out in the events, its STATE_CHANGEs ignored, until its next LOGIN."""
    env = postgres_env(postgres_database)
    kept, lost = _split(day)
    with postgres_database.connect() as conn:
        rf.write_postgres(conn, _tables(day, kept + lost))
        run_dbt(BUILD, tmp_path, env)
        complete = _settled(_rows(lambda sql: conn.execute(sql).fetchall()))
        rf.write_postgres(conn, {"agent_events": kept})
        run_dbt([*BUILD, "--full-refresh"], tmp_path, env)
        gap = _settled(_rows(lambda sql: conn.execute(sql).fetchall()))

    def off(before: dict, after: dict) -> bool:
        tolerance = float(after["tolerance_seconds"])
        return any(abs(float(after[f"events_{c}_seconds"]) - float(before[f"events_{c}_seconds"])) > tolerance
                   for c in JUDGED)

    assert set(gap) == set(complete)
    affected = {k for k in gap if off(complete[k], gap[k])}
    flagged = {k for k, r in gap.items() if r["status"] != "match"}
    assert len(affected) > 20
    assert flagged == affected
    assert {gap[k]["status"] for k in flagged} == {"events_missing"}
    assert min(t for _, t in flagged) >= day.start_ms + OUTAGE[0] - OUTAGE[0] % (15 * 60_000)
    assert any(gap[k]["mismatched_categories"].startswith("online:missing") for k in flagged), \
        "an agent who logged in during the outage is missing from the events"

    # the warning test: more than 5 % of the day's settled agent-intervals do not match
    result = run_dbt(["test", "--select", "warn_agent_reconciliation_mismatch_share"], tmp_path, env)
    assert "WARN=1" in result.stdout and "Warning in test warn_agent_reconciliation_mismatch_share" in result.stdout, \
        result.stdout[-2000:]
    quiet = run_dbt(["test", "--select", "warn_agent_reconciliation_mismatch_share",
                     "--vars", "{agent_reconciliation_warn_share: 0.5}"], tmp_path, env)
    assert "WARN=0" in quiet.stdout and "ERROR=0" in quiet.stdout, quiet.stdout[-2000:]


def test_a_late_batch_clears_the_flags_on_the_next_run_equal_to_a_full_refresh(day, postgres_database,
                                                                                tmp_path):
    """The consumer was down, then read the outage's events late (a backlog, or dead letters
    replayed): they are loaded with a later collected_at, the next incremental run places
    them by their EventTimestamp and the flagged agent-intervals match again."""
    env = postgres_env(postgres_database)
    kept, lost = _split(day)
    with postgres_database.connect() as conn:
        def query(sql: str) -> list[tuple]:
            return conn.execute(sql).fetchall()

        rf.write_postgres(conn, _tables(day, kept))
        run_dbt(BUILD, tmp_path, env)
        before = _settled(_rows(query))
        assert sum(r["status"] == "events_missing" for r in before.values()) > 20

        late = [dict(r, collected_at=rf.ts(day.world.now_ms + 10 * 60_000)) for r in lost]
        rf.write_postgres(conn, {"agent_events": late}, append=True)
        run_dbt(BUILD, tmp_path, env)
        after = _rows(query)
        assert {r["status"] for r in _settled(after).values()} == {"match"}
        written = query(f"select count(distinct _wfm_invocation_id) from {MART}")[0][0]
        assert written == 2, "the second run rewrote only the pairs the late events touched"

        run_dbt([*BUILD, "--full-refresh"], tmp_path, env)
        full = _rows(query)
    assert full.keys() == after.keys()
    for key, row in full.items():
        assert after[key] == row, key



def test_connect_reaching_further_back_reconciles_every_agent_interval_from_its_first(day, postgres_database,
                                                                                      tmp_path):
    """The marts were built before agent_activity_metrics was collected (no raw table: the
    reconciliation is empty); then Connect's rows of the last 12 hours arrive, then (a longer
    agent_activity_backfill_hours) those of the whole day. Each incremental run reconciles from
    Connect's first interval, the agent-intervals Connect has no row for included (one agent's
    rows are missing here: events_extra), equal to a full refresh."""
    env = postgres_env(postgres_database)
    events = rf.agent_event_loads(day)[0]
    connect_rows = rf.agent_activity_rows(day, day.start_ms, day.start_ms + rf.DAY_MS)
    dropped = min(connect_rows, key=lambda r: r["interval_start"])["agent_id"]  # at work before noon UTC
    kept = [r for r in connect_rows if r["agent_id"] != dropped]
    half = rf.ts(day.start_ms + 12 * HOUR_MS)
    with postgres_database.connect() as conn:
        def query(sql: str) -> list[tuple]:
            return conn.execute(sql).fetchall()

        rf.write_postgres(conn, rf.raw_tables(day, events, day.start_ms, day.start_ms + rf.DAY_MS))
        run_dbt(BUILD, tmp_path, env)
        assert query(f"select count(*) from {MART}") == [(0,)]
        rf.write_postgres(conn, {"agent_activity_metrics": [r for r in kept if r["interval_start"] >= half]})
        run_dbt(BUILD, tmp_path, env)
        assert min(t for _, t in _rows(query)) >= day.start_ms + 12 * HOUR_MS
        rf.write_postgres(conn, {"agent_activity_metrics": [r for r in kept if r["interval_start"] < half]},
                          append=True)
        run_dbt(BUILD, tmp_path, env)
        incremental = _rows(query)
        run_dbt([*BUILD, "--full-refresh"], tmp_path, env)
        full = _rows(query)
    assert incremental == full
    extra = {k for k, r in _settled(full).items() if r["status"] == "events_extra"}
    assert {agent for agent, _ in extra} == {dropped} and min(t for _, t in extra) < day.start_ms + 12 * HOUR_MS
    assert {r["status"] for k, r in _settled(full).items() if k[0] != dropped} == {"match"}
