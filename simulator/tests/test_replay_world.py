"""The key check: a simulated day through Kinesis and back, replayed, equals the ground truth."""

from __future__ import annotations

import json
import time

import pytest

from connect_sim.config import WorldConfig
from connect_sim.faults import FaultPlan
from connect_sim.kinesis.event_json import EVENT_SHAPES, AgentEventEncoder
from connect_sim.kinesis.readback import read_stream
from connect_sim.kinesis.writer import KinesisEventWriter
from connect_sim.replay import replay, status_types_of
from connect_sim.world import World

DAY_S = 86_400


@pytest.mark.slow
@pytest.mark.parametrize("shape", EVENT_SHAPES)
def test_a_day_through_kinesis_replays_to_the_ground_truth(moto_kinesis, kinesis_stream, shape):
    config = WorldConfig(seed=42, agents_per_instance=10)
    world = World(config, faults=FaultPlan(duplicate_rate=0.05, seed=5))
    stream = kinesis_stream(3)
    writer = KinesisEventWriter(moto_kinesis.client(), stream,
                                AgentEventEncoder(world.directory, shape), world.faults)
    world.add_event_sink(writer.on_event)
    started = time.perf_counter()
    world.clock.advance(DAY_S)
    world.sync()
    writer.close(timeout=240)
    records = read_stream(moto_kinesis.client(), stream)
    print(f"\n{writer.stats.events} events, {len(records)} records "
          f"({writer.stats.duplicates_written} duplicates), {writer.stats.put_calls} PutRecords "
          f"calls, {time.perf_counter() - started:.1f}s through moto Kinesis")

    # The documented shape has no AgentStatus.Type: the type comes from the list of statuses.
    status_types = status_types_of(world.directory) if shape == "documented" else None
    timelines = replay((json.loads(r.data) for r in records), logged_out_since_ms=config.start_ms,
                       status_types=status_types)

    assert writer.stats.duplicates_written > 0 and len({r.shard_id for r in records}) > 1
    instance_id = world.directory.instances[0].id
    agents = [u for u in world.directory.users_of(instance_id) if u.is_agent]
    compared = 0
    for agent in agents:
        truth = world.state_periods(instance_id, agent.id)
        replayed = timelines.get((instance_id, agent.id))
        if replayed is None:  # no event all day: never logged in
            assert [p.activity for p in truth] == ["LOGGED_OUT"]
            continue
        assert replayed == truth, agent.id
        compared += 1
    assert compared >= len(agents) - 2
    activities = {p.activity for periods in timelines.values() for p in periods}
    assert activities == {"LOGGED_OUT", "STATUS", "ON_CONTACT", "AFTER_CONTACT_WORK",
                          "CONTACT_MISSED", "CONTACT_REJECTED", "CONTACT_ERROR"}
