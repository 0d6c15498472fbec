"""Helpers for the tap's tests (conftest.py puts this folder on sys.path)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tap_amazon_connect.tap import TapAmazonConnect

MS = 1000


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / MS, UTC)


def iso_ms(ms: int) -> str:
    return at(ms).isoformat()


def base_config(centre, **overrides: Any) -> dict[str, Any]:
    config = {
        "aws_access_key_id": "AKIDTESTTESTTEST",
        "aws_secret_access_key": "secret-test-key",
        "aws_region": "us-west-2",
        "aws_endpoint_url": centre.url,
        "api_quotas": {"*": 0},  # the simulator has no quotas unless asked: no client-side pacing
        "aws_max_attempts": 10,
    }
    config.update(overrides)
    return config


@dataclass
class Run:
    tap: TapAmazonConnect
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    states: list[dict] = field(default_factory=list)

    @property
    def state(self) -> dict:
        return self.states[-1] if self.states else {}

    @property
    def calls(self):
        return self.tap.connect.calls


