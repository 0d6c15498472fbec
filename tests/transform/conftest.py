"""Fixtures of the dbt project's tests (transform/): a simulated day, raw tables written
by the stand-in loader (wfm_raw_fixtures.py), and the marts read back."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import wfm_raw_fixtures as rf


@cache
def simulated_day(event_shape: str = "documented") -> rf.SimulatedDay:
    """The demo world (seed 7, 20 agents) after one simulated day, its agent events in
    `event_shape`; cached per process."""
    return rf.simulate(hours=24, event_shape=event_shape)


@pytest.fixture
def day() -> rf.SimulatedDay:
    """Agent events as AWS documents them (no AgentStatus.Type)."""
    return simulated_day()


@pytest.fixture
def full_shape_day() -> rf.SimulatedDay:
    """The same day, its events also carrying AgentStatus.Type and NextAgentStatus.EnqueuedTimestamp."""
    return simulated_day("full")
