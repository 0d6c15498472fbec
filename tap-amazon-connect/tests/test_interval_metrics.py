"""queue_interval_metrics against the simulator's ground truth."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from connect_tap_helpers import at, base_config, iso_ms

from connect_sim.faults import FaultPlan
from connect_sim.truth import interval_volume
from tap_amazon_connect.windows import closed_until

MS = 1000
HOUR_MS = 3600 * MS
STREAM = "queue_interval_metrics"
COMPARED = ("contacts_offered", "contacts_queued", "contacts_handled", "contacts_handled_outbound",
            "contacts_answered", "contacts_abandoned", "contacts_transferred_out",
            "handle_time_seconds", "talk_time_seconds", "hold_time_seconds", "after_contact_work_seconds",
            "queue_answer_time_seconds", "abandon_time_seconds", "max_queued_seconds")
ZERO_COLUMNS = (*COMPARED, "contacts_answered_in_threshold")
# The truth column each tap column equals. v1 has no CONTACTS_QUEUED_BY_ENQUEUE: its
# contacts_offered is CONTACTS_QUEUED, counted by the disconnect time like the truth's contacts_queued.
TRUTH_OF = {"v2": {c: c for c in COMPARED}, "v1": {**{c: c for c in COMPARED}, "contacts_offered": "contacts_queued"}}


def truth_by_key(centre, start_ms, end_ms, thresholds=(20,), instance=None,
                 channels=("VOICE", "CHAT", "TASK")):
    instance = instance or centre.instance
    standard = {q.id for q in centre.world.directory.queues_of(instance.id) if q.queue_type == "STANDARD"}
    rows = interval_volume(centre.world, instance.id, start_ms, end_ms, thresholds_s=thresholds)
    return {(r["queue_id"], r["channel"], r["interval_start"]): r for r in rows
            if r["queue_id"] in standard and r["channel"] in channels}


def key(row):
    return (row["queue_id"], row["channel"], at_iso(row["interval_start"]))


def at_iso(value: str) -> str:
    # truth writes 'Z', the tap '+00:00': compare instants
    return value.replace("+00:00", "Z")


def assert_matches_truth(rows, truth, final_before: str, api: str, threshold: int = 20):
    """Every truth row is in the tap's output with equal figures; extra tap rows are zeros."""
    by_key = {key(r): r for r in rows}
    compared = 0
    for k, expected in truth.items():
        if k[2] >= final_before:
            continue
        got = by_key.get(k)
        assert got is not None, f"missing row {k}"
        for column in COMPARED:
            want = expected[TRUTH_OF[api][column]]
            assert got[column] == pytest.approx(want, abs=1e-6), (k, column, got[column], want)
        if api == "v2":
            assert got["contacts_answered_in_threshold"] == expected[f"contacts_answered_in_{threshold}s"], k
        else:
            assert got["contacts_answered_in_threshold"] is None
        compared += 1
    for k, got in by_key.items():
        if k not in truth:  # a queue x channel the simulated queue never carries
            assert all(got[c] in (0, 0.0) for c in COMPARED), k
    return compared


def assert_what_a_forecaster_needs(rows, truth, final_before: str, api: str) -> None:
    """On queues with outbound calls the queue answer time is the true sum of answered
    queue waits, which avg x contacts_handled (outbound calls added) is not; outbound calls
    are counted; and v2's contacts_offered is the by-enqueue count, which Connect's
    CONTACTS_QUEUED (by disconnect) is not for contacts that end in a later interval."""
    by_key = {key(r): r for r in rows}
    final = [(by_key[k], t) for k, t in truth.items() if k[2] < final_before and k in by_key]
    outbound = [(r, t) for r, t in final if t["contacts_handled_outbound"] and t["queue_answer_time_seconds"]]
    assert outbound, "no interval with both outbound calls and answered queued contacts"
    for row, expected in outbound:
        assert row["queue_answer_time_seconds"] == pytest.approx(expected["queue_answer_time_seconds"], abs=1e-6)
        assert row["avg_queue_answer_time_seconds"] * row["contacts_handled"] != pytest.approx(
            expected["queue_answer_time_seconds"], abs=1e-3)
        assert row["contacts_answered"] == row["contacts_handled"] - row["contacts_handled_outbound"]
    assert sum(r["contacts_handled_outbound"] for r, _ in final) == sum(
        t["contacts_handled_outbound"] for _, t in final) > 0
    if api == "v2":
        assert all(r["contacts_offered"] == t["contacts_offered"] for r, t in final)
        assert any(r["contacts_offered"] != r["contacts_queued"] for r, _ in final)
    else:
        assert all(r["contacts_offered"] == r["contacts_queued"] for r, _ in final)


def test_v2_equals_ground_truth_over_several_days_in_3_day_windows(simulated_centre, run_tap):
    centre = simulated_centre(hours=24 * 3 + 6, agents_per_instance=24, standard_queues_per_instance=4)
    start_ms = centre.world.config.start_ms
    config = base_config(centre, start_date=iso_ms(start_ms))
    run = run_tap(centre, config, streams=[STREAM])
    rows = run.records[STREAM]

    end = closed_until(at(centre.clock.now_ms()), 15, 5)
    intervals = int((end - at(start_ms)) / timedelta(minutes=15))
    queues = [q.id for q in centre.world.directory.queues_of(centre.instance.id) if q.queue_type == "STANDARD"]
    # dense: every queue x configured channel x interval, exactly once, in interval order
    assert len(rows) == intervals * len(queues) * 3
    assert len({key(r) for r in rows}) == len(rows)
    assert [r["interval_start"] for r in rows] == sorted(r["interval_start"] for r in rows)
    assert rows[-1]["interval_end"] == end.isoformat()
    assert {r["api_version"] for r in rows} == {"v2"}
    assert all(r["instance_id"] == centre.instance.id for r in rows)
    # the 78 h cannot be one request (< 3 days each): two windows, each paged by 100 rows
    windows = 2
    assert run.calls["GetMetricDataV2"] > windows

    truth = truth_by_key(centre, start_ms, int(end.timestamp() * MS))
    final_before = iso_ms(centre.clock.now_ms() - 2 * HOUR_MS).replace("+00:00", "Z")
    compared = assert_matches_truth(rows, truth, final_before, "v2")
    assert compared > 1000
    assert sum(r["contacts_offered"] for r in rows) > 500  # the comparison is not all zeros
    assert_what_a_forecaster_needs(rows, truth, final_before, "v2")
    bookmark = run.state["bookmarks"][STREAM]["partitions"][0]
    assert bookmark["context"] == {"instance_id": centre.instance.id}
    assert bookmark["replication_key_value"] == (end - timedelta(minutes=15)).isoformat()


def test_v1_equals_ground_truth_over_several_days_run_daily(simulated_centre, run_tap):
    centre = simulated_centre(hours=20, agents_per_instance=16, standard_queues_per_instance=3)
    start_ms = centre.world.config.start_ms
    config = base_config(centre, metrics_api="v1", start_date=iso_ms(start_ms))
    latest: dict = {}
    state = None
    for _ in range(3):  # v1 reaches back 24 h: a daily run keeps up
        run = run_tap(centre, config, state=state, streams=[STREAM])
        state = run.state
        for row in run.records[STREAM]:
            latest[key(row)] = row
        # one GetMetricData call per interval (3 queues fit one request, no second page)
        assert run.calls["GetMetricData"] == len({r["interval_start"] for r in run.records[STREAM]})
        centre.clock.advance(22 * 3600)
    rows = list(latest.values())
    assert {r["api_version"] for r in rows} == {"v1"}
    assert all(r["contacts_put_on_hold"] is None for r in rows)
    end_ms = max(int(at_ms(r["interval_end"])) for r in rows)
    truth = truth_by_key(centre, start_ms, end_ms)
    final_before = iso_ms(end_ms - 3 * HOUR_MS).replace("+00:00", "Z")
    assert assert_matches_truth(rows, truth, final_before, "v1") > 1000
    assert_what_a_forecaster_needs(rows, truth, final_before, "v1")


def at_ms(value: str) -> int:
    from tap_amazon_connect.windows import parse_datetime

    return int(parse_datetime(value).timestamp() * MS)


def test_resume_rereads_the_lookback_without_gap_and_corrects_restated_intervals(simulated_centre, run_tap):
    # 20:00 UTC: afternoon at the first instance's site (Chicago)
    centre = simulated_centre(hours=20, agents_per_instance=24, standard_queues_per_instance=3,
                              faults=FaultPlan(restate_window_s=1800))
    start_ms = centre.world.config.start_ms + 16 * HOUR_MS
    config = base_config(centre, start_date=iso_ms(start_ms), lookback_minutes=120)
    first = run_tap(centre, config, streams=[STREAM])
    bookmark = first.state["bookmarks"][STREAM]["partitions"][0]["replication_key_value"]

    centre.clock.advance(3 * 3600)
    second = run_tap(centre, config, state=first.state, streams=[STREAM])
    starts = sorted({r["interval_start"] for r in second.records[STREAM]})
    # resumes at the bookmark's next interval minus the 120-minute lookback
    assert at_ms(starts[0]) == at_ms(bookmark) + 15 * 60 * MS - 120 * 60 * MS
    # no gap: the two runs together cover every interval from start_date once or more
    every = sorted({r["interval_start"] for r in first.records[STREAM] + second.records[STREAM]})
    assert [at_ms(b) - at_ms(a) for a, b in itertools.pairwise(every)] == [15 * 60 * MS] * (len(every) - 1)

    # restated: some re-read interval changed between the runs, and the re-read equals truth
    before = {key(r): r for r in first.records[STREAM]}
    after = {key(r): r for r in second.records[STREAM]}
    changed = [k for k in after if k in before and any(after[k][c] != before[k][c] for c in COMPARED)]
    assert changed, "restate_window should have changed a recently closed interval"
    truth = truth_by_key(centre, start_ms, at_ms(starts[-1]) + 15 * 60 * MS)
    for k in changed:
        for column in COMPARED:
            assert after[k][column] == pytest.approx(truth[k][column], abs=1e-6), (k, column)


def test_several_thresholds_fill_an_object_and_the_first_the_main_columns(simulated_centre, run_tap):
    centre = simulated_centre(hours=22, agents_per_instance=20, standard_queues_per_instance=2)
    start_ms = centre.world.config.start_ms + 16 * HOUR_MS
    config = base_config(centre, start_date=iso_ms(start_ms), service_level_thresholds_seconds=[30, 10, 60])
    rows = run_tap(centre, config, streams=[STREAM]).records[STREAM]
    truth = truth_by_key(centre, start_ms, start_ms + 4 * HOUR_MS, thresholds=(30, 10, 60))
    checked = 0
    for row in rows:
        expected = truth.get(key(row))
        if expected is None or row["interval_start"] >= iso_ms(start_ms + 4 * HOUR_MS):
            continue
        assert row["service_level_threshold_seconds"] == 30
        assert row["contacts_answered_in_threshold"] == expected["contacts_answered_in_30s"]
        assert row["contacts_answered_in_thresholds"] == {
            str(t): expected[f"contacts_answered_in_{t}s"] for t in (30, 10, 60)}
        checked += expected["contacts_handled"]
    assert checked > 50


def test_more_than_100_queues_are_batched_and_pages_followed(simulated_centre, run_tap):
    centre = simulated_centre(hours=19, agents_per_instance=30, standard_queues_per_instance=130)
    start_ms = centre.world.config.start_ms + 17 * HOUR_MS
    config = base_config(centre, start_date=iso_ms(start_ms), channels=["VOICE", "CHAT"])
    run = run_tap(centre, config, streams=[STREAM])
    rows = run.records[STREAM]
    queues = {q.id for q in centre.world.directory.queues_of(centre.instance.id) if q.queue_type == "STANDARD"}
    assert len(queues) == 130
    assert {r["queue_id"] for r in rows} == queues
    intervals = len({r["interval_start"] for r in rows})
    assert len(rows) == 130 * 2 * intervals
    assert run.calls["GetMetricDataV2"] >= 2  # two queue batches (100 + 30)
    truth = truth_by_key(centre, start_ms, start_ms + intervals * 15 * 60 * MS, channels=("VOICE", "CHAT"))
    assert assert_matches_truth(rows, truth, iso_ms(centre.clock.now_ms()).replace("+00:00", "Z"), "v2") > 0


def test_throttling_storm_slows_but_neither_drops_nor_duplicates(simulated_centre, run_tap):
    calm = simulated_centre(hours=30, agents_per_instance=16, standard_queues_per_instance=2, seed=5)
    storm = simulated_centre(hours=30, agents_per_instance=16, standard_queues_per_instance=2, seed=5,
                             faults=FaultPlan(throttle_rate=0.5, seed=3))
    start = iso_ms(calm.world.config.start_ms)
    rows_calm = run_tap(calm, base_config(calm, start_date=start), streams=[STREAM]).records[STREAM]
    throttled = []

    def count_throttles(tap):
        tap.connect.client.meta.events.register(
            "needs-retry.connect", lambda response=None, **_: throttled.append(1)
            if response and response[1].get("Error", {}).get("Code") == "ThrottlingException" else None)

    stormy = run_tap(storm, base_config(storm, start_date=start), streams=[STREAM], before_sync=count_throttles)
    assert len(throttled) >= 3  # the storm happened
    rows_storm = stormy.records[STREAM]
    strip = [{k: v for k, v in r.items() if k != "collected_at"} for r in rows_storm]
    assert strip == [{k: v for k, v in r.items() if k != "collected_at"} for r in rows_calm]
    assert Counter(key(r) for r in rows_storm).most_common(1)[0][1] == 1


def test_start_date_beyond_the_apis_reach_is_a_clear_error(simulated_centre, follow_clock):
    from singer_sdk.exceptions import ConfigValidationError

    from tap_amazon_connect.tap import TapAmazonConnect

    centre = simulated_centre(hours=30, serve=False)
    centre.url = "http://127.0.0.1:9"
    follow_clock(centre)
    now_ms = centre.clock.now_ms()
    with pytest.raises(ConfigValidationError, match="24 hours"):
        TapAmazonConnect(config=base_config(centre, metrics_api="v1", start_date=iso_ms(now_ms - 25 * HOUR_MS)))
    with pytest.raises(ConfigValidationError, match="90 days"):
        TapAmazonConnect(config=base_config(centre, start_date=iso_ms(now_ms - 91 * 24 * HOUR_MS)))
    TapAmazonConnect(config=base_config(centre, start_date=iso_ms(now_ms - 89 * 24 * HOUR_MS)))


def test_agent_rows_add_up_to_the_queue_rows(simulated_centre, run_tap):
    centre = simulated_centre(hours=20, agents_per_instance=16, standard_queues_per_instance=3)
    start_ms = centre.world.config.start_ms + 15 * HOUR_MS
    config = base_config(centre, start_date=iso_ms(start_ms))
    run = run_tap(centre, config, streams=[STREAM, "agent_interval_metrics"])
    agents = run.records["agent_interval_metrics"]
    queue_rows = {key(r): r for r in run.records[STREAM]}
    users = {u.id for u in centre.world.directory.users}
    assert agents and {a["agent_id"] for a in agents} <= users
    totals: dict = {}
    for a in agents:
        t = totals.setdefault(key(a), Counter())
        for column in ("contacts_handled", "handle_time_seconds", "talk_time_seconds", "hold_time_seconds",
                       "after_contact_work_seconds", "contacts_transferred_out"):
            t[column] += a[column]
    for k, row in queue_rows.items():
        t = totals.get(k, Counter())
        assert t["contacts_handled"] == row["contacts_handled"], k
        assert t["handle_time_seconds"] == pytest.approx(row["handle_time_seconds"], abs=1e-6), k
        assert t["talk_time_seconds"] == pytest.approx(row["talk_time_seconds"], abs=1e-6), k
    state = [p for p in run.state["bookmarks"]["agent_interval_metrics"]["partitions"]]
    assert state[0]["read_until"] == queue_rows[max(queue_rows)]["interval_end"]


def test_agent_interval_metrics_is_not_selected_by_default(simulated_centre, run_tap):
    centre = simulated_centre(hours=1, agents_per_instance=4, standard_queues_per_instance=1)
    run = run_tap(centre, base_config(centre))
    assert "agent_interval_metrics" not in run.records
    assert run.records["queue_interval_metrics"]


def test_v1_cannot_fill_a_gap_older_than_24_hours_and_says_so(simulated_centre, run_tap, caplog):
    centre = simulated_centre(hours=20, agents_per_instance=8, standard_queues_per_instance=2)
    config = base_config(centre, metrics_api="v1", start_date=iso_ms(centre.clock.now_ms() - 2 * HOUR_MS))
    first = run_tap(centre, config, streams=[STREAM])
    centre.clock.advance(30 * 3600)
    second = run_tap(centre, config, state=first.state, streams=[STREAM])
    starts = sorted({r["interval_start"] for r in second.records[STREAM]})
    assert at_ms(starts[0]) >= centre.clock.now_ms() - 24 * HOUR_MS  # what v1 can still read
    assert "beyond what v1 can still read" in caplog.text
    assert "use metrics_api v2" in caplog.text


def test_the_rate_limit_paces_every_call_of_the_run(simulated_centre, run_tap):
    import time

    centre = simulated_centre(hours=1, agents_per_instance=20, user_change_rate=0, user_delete_rate=0)
    began = time.monotonic()
    run = run_tap(centre, base_config(centre, api_quotas={"*": 40}), streams=["users"])
    elapsed = time.monotonic() - began
    calls = run.calls["DescribeUser"]
    assert calls > 20
    # DescribeUser's own bucket: a burst of 4 (documented 5, one held back), then 36 a second
    assert elapsed >= (calls - 4) / 36 * 0.9
    assert run.tap.connect.session.operation_limiter.waited_s["DescribeUser"] > 0
