"""Figures per group of contact segments and reporting interval, shared by GetMetricData
and GetMetricDataV2.

Each group's figures come from `metrics.attribute`, the simulator's one attribution rule
(AWS's: contact-record-driven figures by the disconnect time, CONTACTS_QUEUED_BY_ENQUEUE by
the enqueue time; outcomes once the record is final and published). The caller passes every
segment with a figure in its window (`segments_for_window`) and a bucket mapping a moment
to its reporting interval (None outside the window): V1 has one interval, the window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..metrics import Bucket, Figures, attribute
from ..model import ContactSegment

GroupKey = tuple[str, ...]
RowKey = tuple[GroupKey, int]  # (group, start of the reporting interval)


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
    bucket: Bucket,
    visible_ms: Callable[[ContactSegment], int | None],
    as_of_ms: int,
) -> dict[RowKey, Figures]:
    """Figures per group key and interval; a segment whose key is None (a grouping it has
    no value for) belongs to no group."""
    return attribute(segments, group_of, bucket, visible_ms, as_of_ms)  # type: ignore[return-value]


def figures_per_method_filter(
    segments: list[ContactSegment],
    group_of: Callable[[ContactSegment], GroupKey | None],
    method_filters: Iterable[MethodFilter | None],
    bucket: Bucket,
    visible_ms: Callable[[ContactSegment], int | None],
    as_of_ms: int,
) -> dict[MethodFilter | None, dict[RowKey, Figures]]:
    """Grouped figures for every distinct method filter asked for, and for no filter (None),
    whose keys are the rows a response has."""
    out: dict[MethodFilter | None, dict[RowKey, Figures]] = {
        None: grouped_figures(segments, group_of, bucket, visible_ms, as_of_ms)
    }
    for method_filter in set(method_filters) - {None}:
        assert method_filter is not None
        chosen = [s for s in segments if method_filter.admits(s)]
        out[method_filter] = grouped_figures(chosen, group_of, bucket, visible_ms, as_of_ms)
    return out
