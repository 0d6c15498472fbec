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
def simulated_day() -> rf.SimulatedDay:
    """The demo world (seed 7, 20 agents) after one simulated day; cached per process."""
    return rf.simulate(hours=24)


@pytest.fixture
def day() -> rf.SimulatedDay:
    return simulated_day()
