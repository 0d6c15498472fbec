"""Fixtures for the tap's tests: run the tap in-process against a simulated centre whose
FixedClock is the tap's clock."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from contextlib import redirect_stdout

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from connect_tap_helpers import Run, at

import tap_amazon_connect.clock as tap_clock
from tap_amazon_connect.tap import TapAmazonConnect


@pytest.fixture
def run_tap(monkeypatch) -> Callable[..., Run]:
    """run_tap(centre, config, state=None, streams=None): one in-process sync on the centre's clock."""

    def run(centre, config: dict, state: dict | None = None, streams: list[str] | None = None,
            before_sync: Callable[[TapAmazonConnect], None] | None = None) -> Run:
        monkeypatch.setattr(tap_clock, "now", lambda: at(centre.clock.now_ms()))
        tap = TapAmazonConnect(config=config, state=state)
        if streams is not None:
            for name, stream in tap.streams.items():
                stream.selected = name in streams
        if before_sync:
            before_sync(tap)
        out = io.StringIO()
        with redirect_stdout(out):
            tap.sync_all()
        result = Run(tap)
        for line in out.getvalue().splitlines():
            message = json.loads(line)
            if message["type"] == "RECORD":
                result.records[message["stream"]].append(message["record"])
            elif message["type"] == "STATE":
                result.states.append(message["value"])
        return result

    return run


@pytest.fixture
def follow_clock(monkeypatch):
    def follow(centre) -> None:
        monkeypatch.setattr(tap_clock, "now", lambda: at(centre.clock.now_ms()))

    return follow
