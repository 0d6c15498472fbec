"""simulator → tap-amazon-connect → target-postgres → dbt → WFM tables, with real `meltano run`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from connect_sim import truth

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("meltano-b")]
COLUMNS = ("contacts_offered", "contacts_handled", "contacts_abandoned", "contacts_answered_in_threshold",
           "handle_time_seconds", "after_contact_work_seconds", "hold_time_seconds")
# Contacts can run for hours (talk up to 2 h plus wrap-up): intervals older than this are final.
FINAL_AFTER = timedelta(hours=2, minutes=30)


def _raw_rows(pipeline) -> dict[tuple, tuple]:
    rows = pipeline.query(f"""
        select queue_id, channel, interval_start, {", ".join(COLUMNS)}
        from raw.queue_interval_metrics""")
    return {(q, c, start.astimezone(UTC)): tuple(float(v or 0) for v in values) for q, c, start, *values in rows}


def _truth_rows(world, instance_id, start, end) -> dict[tuple, tuple]:
    rows = truth.interval_volume(world, instance_id, int(start.timestamp() * 1000), int(end.timestamp() * 1000))
    standard = {q.id for q in world.directory.queues_of(instance_id) if q.queue_type == "STANDARD"}
    keyed = {}
    for r in (r for r in rows if r["queue_id"] in standard):  # the tap reads STANDARD queues by default
        values = (r["contacts_offered"], r["contacts_handled"], r["contacts_abandoned"],
                  r["contacts_answered_in_20s"], r["handle_time_seconds"], r["after_contact_work_seconds"],
                  r["hold_time_seconds"])
        keyed[(r["queue_id"], r["channel"], datetime.fromisoformat(r["interval_start"].replace("Z", "+00:00")))] = values
    return keyed


def test_history_equals_the_truth_resumes_from_state_and_reruns_change_nothing(pipeline):
    pipeline.meltano("run", "tap-amazon-connect-config", "target-postgres")
    pipeline.meltano("run", "tap-amazon-connect-history", "target-postgres")
    read_at = datetime.now(UTC)

    world = pipeline.truth_world()
    instance_id = world.directory.instances[0].id
    loaded = _raw_rows(pipeline)
    first = min(start for _, _, start in loaded)
    final_end = (read_at - FINAL_AFTER).replace(minute=(read_at - FINAL_AFTER).minute // 15 * 15, second=0,
                                                 microsecond=0)
    expected = _truth_rows(world, instance_id, first, final_end)
    assert len(expected) > 200
    got = {key: loaded.get(key) for key in expected}
    mismatched = {k: (got[k], v) for k, v in expected.items()
                  if got[k] is None or any(abs(a - b) > 1e-6 for a, b in zip(got[k], v, strict=True))}
    assert not mismatched, list(mismatched.items())[:5]
    assert sum(v[0] for v in expected.values()) > 100, "a day of a 24-agent centre has contacts"

    state = json.loads(pipeline.meltano("state", "get", "dev:tap-amazon-connect-history-to-target-postgres").stdout)
    assert state["singer_state"]["bookmarks"]["queue_interval_metrics"], "state saved in the warehouse"

    count_before = pipeline.query("select count(*) from raw.queue_interval_metrics")[0][0]
    pipeline.meltano("run", "tap-amazon-connect-history", "target-postgres")
    after = _raw_rows(pipeline)
    assert pipeline.query("select count(*) from raw.queue_interval_metrics")[0][0] >= count_before
    assert len(after) == pipeline.query("select count(*) from raw.queue_interval_metrics")[0][0], "no duplicates"
    assert {k: after[k] for k in expected} == {k: loaded[k] for k in expected}, "a re-run changes nothing final"

    pipeline.meltano("run", "dbt-postgres:build-history")
    marts = pipeline.query("""
        select queue_id, channel, interval_start_at, contacts_offered, contacts_handled, contacts_abandoned
        from wfm.wfm_interval_volume where interval_start_at >= %s and interval_start_at < %s""",
                           (first, final_end))
    by_key = {(q, c, s.astimezone(UTC)): (o, h, a) for q, c, s, o, h, a in marts}
    for key, values in expected.items():
        assert by_key[key] == tuple(int(v) for v in values[:3]), key
