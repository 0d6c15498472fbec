"""`connect-sim generate` is byte-for-byte repeatable, and the truth adds up."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from connect_sim import truth
from connect_sim.cli import main
from connect_sim.config import WorldConfig
from connect_sim.metrics import figures_by_interval
from connect_sim.model import ContactSegment
from connect_sim.world import World

ARGS = ["generate", "--seed", "9", "--agents", "12", "--hours", "10", "--start", "2026-11-03T08:00"]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_generate_twice_gives_identical_files(tmp_path, capsys):
    assert main([*ARGS, "--out", str(tmp_path / "a")]) == 0
    assert main([*ARGS, "--out", str(tmp_path / "b")]) == 0
    first, second = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert set(first) == {"agent_events.jsonl", "contact_segments.jsonl", "directory.json",
                          "schedule.jsonl", "state_periods.jsonl"}
    assert first == second
    events = (tmp_path / "a" / "agent_events.jsonl").read_text().splitlines()
    assert len(events) > 500
    assert {json.loads(line)["EventType"] for line in events} >= {"LOGIN", "STATE_CHANGE", "HEART_BEAT"}
    assert "agent_events.jsonl" in capsys.readouterr().out


def test_a_different_seed_changes_the_files(tmp_path):
    main([*ARGS, "--out", str(tmp_path / "a")])
    main([*ARGS[:2], "10", *ARGS[3:], "--out", str(tmp_path / "b")])
    assert digest(tmp_path / "a")["contact_segments.jsonl"] != digest(tmp_path / "b")["contact_segments.jsonl"]


@pytest.fixture(scope="module")
def world() -> World:
    """Thirty simulated hours of a 15-agent centre."""
    world = World(WorldConfig(seed=4, agents_per_instance=15))
    world.clock.advance(30 * 3600)
    world.sync()
    return world


def test_truth_volume_counts_every_contact_once(world):
    start, end = world.config.start_ms + 6 * 3600_000, world.config.start_ms + 24 * 3600_000
    instance = world.directory.instances[0].id
    rows = truth.interval_volume(world, instance, start, end)
    segments = world.segments_for_window(instance, start, end)
    enqueued = [s for s in segments if start <= s.enqueue_ms < end]
    ended = [s for s in segments if s.ended_ms is not None and start <= s.ended_ms < end]
    assert {s.contact_id for s in enqueued} != {s.contact_id for s in ended}  # edges crossed
    # offered by the enqueue time; everything else by the contact record's disconnect time
    assert sum(r["contacts_offered"] for r in rows) == sum(not s.outbound for s in enqueued)
    assert sum(r["contacts_queued"] for r in rows) == sum(not s.outbound for s in ended)
    assert sum(r["contacts_handled"] for r in rows) == sum(s.handled for s in ended)
    assert sum(r["contacts_handled_outbound"] for r in rows) == sum(
        s.outbound and s.handled for s in ended) > 0
    # outbound calls are never queued: no queue answer time, no answered-within-X
    answered = [s for s in ended if s.handled and not s.outbound]
    assert sum(r["contacts_answered"] for r in rows) == len(answered)
    assert round(sum(r["queue_answer_time_seconds"] for r in rows) * 1000) == sum(
        s.queue_wait_ms for s in answered)
    assert sum(r["contacts_answered_in_20s"] for r in rows) == sum(
        s.queue_wait_ms < 20_000 for s in answered)
    assert sum(r["contacts_abandoned"] for r in rows) == sum(s.abandoned for s in ended)
    assert round(sum(r["handle_time_seconds"] for r in rows) * 1000) == sum(
        s.handle_ms for s in ended if s.handled)
    # dense: every standard queue × channel × interval has a row, zeros included
    standard = [q for q in world.directory.queues_of(instance) if q.queue_type == "STANDARD"]
    pairs = sum(len(q.channels) for q in standard)
    assert len([r for r in rows if r["queue_id"] in {q.id for q in standard}]) == pairs * 72
    assert any(r["contacts_offered"] == 0 for r in rows)


def test_thirty_minute_truth_rolls_up_from_fifteen(world):
    instance = world.directory.instances[0].id
    start, end = world.config.start_ms + 6 * 3600_000, world.config.start_ms + 20 * 3600_000
    fine = truth.interval_volume(world, instance, start, end, 15, dense=False)
    coarse = truth.interval_volume(world, instance, start, end, 30, dense=False)
    rolled: dict[tuple, int] = {}
    for row in fine:
        hour = row["interval_start"][:14] + ("00" if row["interval_start"][14:16] < "30" else "30")
        key = (row["queue_id"], row["channel"], hour)
        rolled[key] = rolled.get(key, 0) + row["contacts_answered_in_20s"]
    assert rolled == {(r["queue_id"], r["channel"], r["interval_start"][:16]): r["contacts_answered_in_20s"]
                      for r in coarse}


def test_state_seconds_add_up_to_the_window(world):
    instance = world.directory.instances[0].id
    start, end = world.config.start_ms + 12 * 3600_000, world.config.start_ms + 14 * 3600_000
    seconds = truth.seconds_per_interval(truth.state_timeline(world, instance, start, end))
    per_agent_interval: dict[tuple, float] = {}
    for (user, interval, _activity, _status), value in seconds.items():
        per_agent_interval[(user, interval)] = per_agent_interval.get((user, interval), 0) + value
    assert len(per_agent_interval) == 15 * 8
    assert all(abs(total - 900) < 1e-6 for total in per_agent_interval.values())


def test_generate_writes_the_event_shape_asked_for(tmp_path):
    main([*ARGS, "--out", str(tmp_path / "documented")])
    main([*ARGS, "--event-shape", "full", "--out", str(tmp_path / "full")])
    main([*ARGS, "--event-shape", "full", "--out", str(tmp_path / "full-again")])
    documented, full = digest(tmp_path / "documented"), digest(tmp_path / "full")
    assert full == digest(tmp_path / "full-again")
    assert documented["agent_events.jsonl"] != full["agent_events.jsonl"]
    assert {k: v for k, v in documented.items() if k != "agent_events.jsonl"} == {
        k: v for k, v in full.items() if k != "agent_events.jsonl"}

    def statuses(folder: str) -> list[dict]:
        lines = (tmp_path / folder / "agent_events.jsonl").read_text().splitlines()
        return [json.loads(line)["CurrentAgentSnapshot"]["AgentStatus"] for line in lines]

    assert all("Type" not in s for s in statuses("documented"))
    assert all("Type" in s for s in statuses("full"))


def test_an_outbound_call_counts_as_handled_never_as_queued():
    dialled = ContactSegment("i", "out-1", "out-1", None, "OUTBOUND", "VOICE", "q", enqueue_ms=1_000,
                             patience_ms=0, agent_user_id="a", connecting_ms=4_000, connected_ms=5_000,
                             talk_ms=900_000, disconnect_ms=905_000, acw_ms=10_000, completed_ms=915_000)
    figures = figures_by_interval([dialled], 900_000, lambda s: s.completed_ms, as_of_ms=None)
    assert list(figures) == [("q", "VOICE", 900_000)]  # the interval of the disconnect
    f = figures[("q", "VOICE", 900_000)]
    assert (f.contacts_queued_by_enqueue, f.contacts_queued, f.contacts_answered) == (0, 0, 0)
    assert (f.contacts_handled, f.contacts_handled_outbound) == (1, 1)
    assert (f.handle_ms, f.talk_ms, f.acw_ms, f.connecting_ms) == (910_000, 900_000, 10_000, 4_000)
    assert (f.queue_answer_ms, f.max_queued_ms, f.answer_waits_ms, f.answered_within(20)) == (0, 0, [], 0)
    assert figures_by_interval([dialled], 900_000, lambda s: None, as_of_ms=None) == {}


MIN_MS = 60_000


def test_a_contact_counts_where_its_record_disconnects_and_is_offered_where_it_queued():
    """AWS's example: a contact from 05:23 to 06:15 counts in 06:00-06:30; only "queued by
    enqueue" stays at 05:00-05:30. CONTACTS_QUEUED counts from the disconnect, the other
    figures once the record is final (after-contact work done)."""
    call = ContactSegment("i", "c-1", "c-1", None, "INBOUND", "VOICE", "q", enqueue_ms=323 * MIN_MS,
                          patience_ms=600_000, dequeue_ms=325 * MIN_MS, agent_user_id="a",
                          connected_ms=325 * MIN_MS, talk_ms=50 * MIN_MS,
                          disconnect_ms=375 * MIN_MS, acw_ms=2 * MIN_MS, completed_ms=377 * MIN_MS)
    half_hour = 30 * MIN_MS

    def at(as_of_min):
        return figures_by_interval([call], half_hour, lambda s: s.completed_ms, as_of_min * MIN_MS)

    while_queued, in_acw, final = at(324), at(376), at(377)
    assert {k: f.contacts_queued_by_enqueue for k, f in final.items()} == {
        ("q", "VOICE", 300 * MIN_MS): 1, ("q", "VOICE", 360 * MIN_MS): 0}
    assert list(while_queued) == [("q", "VOICE", 300 * MIN_MS)]
    ended = ("q", "VOICE", 360 * MIN_MS)
    assert (in_acw[ended].contacts_queued, in_acw[ended].contacts_handled) == (1, 0)
    f = final[ended]
    assert (f.contacts_queued, f.contacts_handled, f.contacts_answered, f.queue_answer_ms,
            f.handle_ms) == (1, 1, 1, 2 * MIN_MS, 52 * MIN_MS)
    # a window ending before the disconnect holds only the enqueue
    window = figures_by_interval([call], half_hour, lambda s: s.completed_ms, None,
                                 start_ms=0, end_ms=360 * MIN_MS)
    assert list(window) == [("q", "VOICE", 300 * MIN_MS)]
    abandoned = ContactSegment("i", "c-2", "c-2", None, "INBOUND", "VOICE", "q",
                               enqueue_ms=329 * MIN_MS, patience_ms=2 * MIN_MS,
                               dequeue_ms=331 * MIN_MS, abandoned=True, completed_ms=331 * MIN_MS)
    f = figures_by_interval([abandoned], half_hour, lambda s: s.completed_ms, None)[
        ("q", "VOICE", 330 * MIN_MS)]
    assert (f.contacts_queued, f.contacts_abandoned, f.abandon_ms) == (1, 1, 2 * MIN_MS)
