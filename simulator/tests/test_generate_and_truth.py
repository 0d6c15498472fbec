"""`connect-sim generate` is byte-for-byte repeatable, and the truth adds up."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from connect_sim import truth
from connect_sim.cli import main
from connect_sim.config import WorldConfig
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
    start, end = world.config.start_ms, world.config.start_ms + 24 * 3600_000
    instance = world.directory.instances[0].id
    rows = truth.interval_volume(world, instance, start, end)
    segments = world.segments(instance, start, end)
    assert sum(r["contacts_offered"] for r in rows) == len(segments)
    assert sum(r["contacts_handled"] for r in rows) == sum(s.handled for s in segments)
    assert sum(r["contacts_abandoned"] for r in rows) == sum(s.abandoned for s in segments)
    assert round(sum(r["handle_time_seconds"] for r in rows) * 1000) == sum(s.handle_ms for s in segments)
    # dense: every standard queue × channel × interval has a row, zeros included
    standard = [q for q in world.directory.queues_of(instance) if q.queue_type == "STANDARD"]
    pairs = sum(len(q.channels) for q in standard)
    assert len([r for r in rows if r["queue_id"] in {q.id for q in standard}]) == pairs * 96
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
