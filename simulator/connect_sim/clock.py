"""Simulated time: fixed (tests move it by hand), real time, or accelerated."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class FixedClock:
    """Time stands still until the test moves it."""

    def __init__(self, now_ms: int) -> None:
        self._now_ms = now_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            return self._now_ms

    def set(self, now_ms: int) -> None:
        with self._lock:
            if now_ms < self._now_ms:
                raise ValueError("simulated time cannot go backwards")
            self._now_ms = now_ms

    def advance(self, seconds: float) -> int:
        with self._lock:
            self._now_ms += int(seconds * 1000)
            return self._now_ms


class ScaledClock:
    """Simulated time runs `speed` times faster than the wall clock (1.0 = real time)."""

    def __init__(self, start_ms: int, speed: float = 1.0, wall=time.time) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start_ms = start_ms
        self._speed = speed
        self._wall = wall
        self._wall_start = wall()

    @property
    def speed(self) -> float:
        return self._speed

    def now_ms(self) -> int:
        return self._start_ms + int((self._wall() - self._wall_start) * 1000 * self._speed)
