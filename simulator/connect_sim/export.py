"""Writes a simulated stretch of time to files: the world, its contacts, events and truth."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from .kinesis.event_json import DEFAULT_EVENT_SHAPE
from .world import World


def _line(obj) -> str:
    return json.dumps(dataclasses.asdict(obj), sort_keys=True, separators=(",", ":"))


def export_world(world: World, out_dir: Path, end_ms: int,
                 event_shape: str = DEFAULT_EVENT_SHAPE) -> dict[str, int]:
    """Advance `world` to end_ms, writing every output (agent events in `event_shape`, see
    kinesis/event_json.py). Returns rows written per file."""
    from .kinesis.event_json import AgentEventEncoder
    from .kinesis.writer import JsonlEventWriter

    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with JsonlEventWriter(out_dir / "agent_events.jsonl",
                          AgentEventEncoder(world.directory, event_shape), world.faults) as events:
        world.add_event_sink(events.on_event)
        world.clock.set(end_ms)
        world.sync()
        counts["agent_events.jsonl"] = events.lines_written

    directory = dataclasses.asdict(world.directory)
    (out_dir / "directory.json").write_text(json.dumps(directory, sort_keys=True, indent=1) + "\n")
    files = {
        "contact_segments.jsonl": [s for i in world.directory.instances
                                   for s in world.segments(i.id, 0, end_ms)],
        "state_periods.jsonl": [p for i in world.directory.instances for p in world.state_periods(i.id)],
        "schedule.jsonl": world.schedule(),
    }
    for name, rows in files.items():
        with (out_dir / name).open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(_line(row) + "\n")
        counts[name] = len(rows)
    return counts

