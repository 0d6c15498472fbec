"""The tap's notion of "now", always UTC.

Every module asks `clock.now()` (through the module, never a copied reference), so a test
can follow a simulated contact centre's clock with
`monkeypatch.setattr(tap_amazon_connect.clock, "now", ...)`. Users never set it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
