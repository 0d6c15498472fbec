"""The continuous collector under `meltano run`, killed with SIGKILL and restarted: no event
lost, none duplicated; then dbt's adherence marts (built by `meltano invoke
dbt-postgres:refresh-adherence`, the deployment's loop) against the simulator's true timelines."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from connect_sim import truth

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("meltano-c")]
# The default seed connect_status_wfm_state_map: Available → AVAILABLE; Offline while logged
# in, Break, Lunch, Training, Meeting, and a missed / rejected / errored contact on screen
# (CONTACT_*) → UNAVAILABLE.
WFM_STATE = {"ON_CONTACT": "ON_CONTACT", "AFTER_CONTACT_WORK": "AFTER_CONTACT_WORK", "CONTACT_MISSED": "UNAVAILABLE",
             "CONTACT_REJECTED": "UNAVAILABLE", "CONTACT_ERROR": "UNAVAILABLE"}


def _wait_for_rows(pipeline, deadline_s: float) -> int:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            count = pipeline.query("select count(*) from raw.agent_events")[0][0]
            if count:
                return count
        except Exception:
            pass
        time.sleep(1)
    return 0


def test_collector_killed_mid_run_loses_nothing_and_marts_match_the_truth(pipeline):
    """Events as AWS documents them (no AgentStatus.Type: the transform takes it from
    agent_statuses). Events with the type too: tests/transform/test_dbt_build.py."""
    collector = pipeline.popen("run", "tap-connect-kinesis", "target-postgres",
                               TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP="false",
                               TAP_CONNECT_KINESIS_MAX_RUN_SECONDS="900")  # killed long before
    try:
        assert _wait_for_rows(pipeline, 90) > 0, "rows arrive while the collector runs: " + pipeline.log_tail()
    finally:
        os.killpg(collector.pid, signal.SIGKILL)
        collector.wait()

    time.sleep(2)
    in_kinesis = pipeline.event_ids_in_kinesis()
    # Meltano still sees the killed run as running: --force takes its state ID over.
    pipeline.meltano("run", "tap-connect-kinesis", "target-postgres", "--force")

    pipeline.assert_each_event_loaded_and_staged_once(in_kinesis)
    typed = pipeline.query("select count(agent_status_type) from raw.agent_events")[0][0]
    assert typed == 0, "documented events carry no AgentStatus.Type"

    pipeline.meltano("run", "tap-amazon-connect-config", "target-postgres")
    pipeline.meltano("run", "tap-amazon-connect-history", "target-postgres")
    # the adherence marts as the deployment builds them: the warm loop, here for one run
    pipeline.meltano("invoke", "dbt-postgres:refresh-adherence", "--cycles", "1")

    # Compare whole intervals fully inside the events' window, after every agent has shown up.
    first_event = pipeline.query("select min(event_timestamp) from raw.agent_events")[0][0]
    last_event = pipeline.query("select max(event_timestamp) from raw.agent_events")[0][0]
    start = (first_event.astimezone(UTC) + timedelta(minutes=75)).replace(second=0, microsecond=0)
    start = start.replace(minute=start.minute // 15 * 15)
    end = last_event.astimezone(UTC).replace(second=0, microsecond=0)
    end = end.replace(minute=end.minute // 15 * 15) - timedelta(minutes=15)
    assert end > start, (start, end)

    world = pipeline.truth_world()
    instance = world.directory.instances[0].id
    periods = truth.state_timeline(world, instance, int(start.timestamp() * 1000), int(end.timestamp() * 1000))
    expected: dict[tuple, float] = {}
    for (user, interval_ms, activity, status), seconds in truth.seconds_per_interval(periods).items():
        if activity == "LOGGED_OUT":
            continue
        state = WFM_STATE.get(activity) or ("AVAILABLE" if status == "Available" else "UNAVAILABLE")
        key = (user, datetime.fromtimestamp(interval_ms / 1000, UTC), state)
        expected[key] = expected.get(key, 0) + seconds
    rows = pipeline.query("""
        select agent_id, interval_start_at, wfm_state, state_seconds from wfm.wfm_agent_interval_activity
        where interval_start_at >= %s and interval_start_at < %s
          and wfm_state not in ('LOGGED_OUT')""", (start, end))
    got = {(a, s.astimezone(UTC), w): float(x) for a, s, w, x in rows}
    assert expected, "agents worked in the window"
    off = {k: (got.get(k, 0.0), v) for k, v in expected.items() if abs(got.get(k, 0.0) - v) > 1.0}
    extra = {k: v for k, v in got.items() if k not in expected and v > 1.0}
    assert not off and not extra, (list(off.items())[:5], list(extra.items())[:5])
