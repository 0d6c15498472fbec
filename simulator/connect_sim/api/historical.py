"""Figures per group of contact segments, shared by GetMetricData and GetMetricDataV2.

Each group's figures come from `metrics.figures_by_interval`, the simulator's one
attribution rule (a segment counts in the interval holding its enqueue time; its outcome
once it is finished and published), with one interval covering all time: the caller has
already chosen the segments of one reporting interval.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..metrics import Figures, figures_by_interval
from ..model import ContactSegment

# An interval length beyond any epoch-millisecond time: every segment falls into interval 0.
ALL_TIME_MS = 1 << 62

GroupKey = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MethodFilter:
    """Which initiation methods a metric counts (a metric-level INITIATION_METHOD filter)."""

    methods: frozenset[str]
    negate: bool = False

    def admits(self, segment: ContactSegment) -> bool:
        return (segment.initiation_method in self.methods) != self.negate


def merge_figures(parts: Iterable[Figures]) -> Figures:
    """One Figures holding all of `parts`."""
    merged = Figures()
    for part in parts:
        merged.merge(part)
    return merged


def grouped_figures(
    segments: Iterable[ContactSegment],
    group_of: Callable[[ContactSegment], GroupKey | None],
    visible_ms: Callable[[ContactSegment], int | None],
    as_of_ms: int,
) -> dict[GroupKey, Figures]:
    """Figures per group key; a segment whose key is None (a grouping it has no value for)
    belongs to no group."""
    partitions: dict[GroupKey, list[ContactSegment]] = {}
    for segment in segments:
        key = group_of(segment)
        if key is not None:
            partitions.setdefault(key, []).append(segment)
    return {
        key: merge_figures(figures_by_interval(part, ALL_TIME_MS, visible_ms, as_of_ms).values())
        for key, part in partitions.items()
    }


def figures_per_method_filter(
    segments: list[ContactSegment],
    group_of: Callable[[ContactSegment], GroupKey | None],
    method_filters: Iterable[MethodFilter | None],
    visible_ms: Callable[[ContactSegment], int | None],
    as_of_ms: int,
) -> dict[MethodFilter | None, dict[GroupKey, Figures]]:
    """Grouped figures for every distinct method filter asked for, and for no filter (None),
    whose groups are the rows a response has."""
    out: dict[MethodFilter | None, dict[GroupKey, Figures]] = {
        None: grouped_figures(segments, group_of, visible_ms, as_of_ms)
    }
    for method_filter in set(method_filters) - {None}:
        assert method_filter is not None
        chosen = [s for s in segments if method_filter.admits(s)]
        out[method_filter] = grouped_figures(chosen, group_of, visible_ms, as_of_ms)
    return out
