"""A file whose modification time says the poll loop is alive (for a liveness probe)."""

from __future__ import annotations

import os
import time
from pathlib import Path

MIN_TOUCH_INTERVAL_S = 1.0


class HealthFile:
    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self._last = 0.0
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def touch(self) -> None:
        if self.path is None or time.monotonic() - self._last < MIN_TOUCH_INTERVAL_S:
            return
        self.path.touch()
        os.utime(self.path)
        self._last = time.monotonic()
