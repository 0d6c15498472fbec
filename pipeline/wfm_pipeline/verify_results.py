"""verify-warehouse's comparison: WFM tables as read back from any warehouse against the shipped
expected rows, row for row, matched on each table's grain.

Values are normalised before they are compared or written: times to UTC ISO 8601 text with
milliseconds (a time without a zone is the warehouse's UTC), decimals to floats, dates to
ISO dates. Numbers are equal within `number` (absolute, plus 1e-9 relative), integers exactly
unless the column counts milliseconds (`*_ms`), which like times are equal within `time_ms`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from .warehouse import as_utc

IGNORED_PREFIX = "_wfm_"  # lineage and watermark columns: when dbt ran (now), not what it derived


@dataclass(frozen=True)
class Tolerance:
    time_ms: float = 0.0
    number: float = 1e-6


def normalise(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def normalise_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{name.lower(): normalise(value) for name, value in row.items()} for row in rows]


def compared_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if not c.startswith(IGNORED_PREFIX)]


def _instant_ms(text: str) -> float | None:
    if len(text) < 19 or text[4] != "-" or text[10] != "T":
        return None
    try:
        return as_utc(text).timestamp() * 1000
    except ValueError:
        return None


def equal(expected: Any, found: Any, column: str, tolerance: Tolerance) -> bool:
    if expected == found and type(expected) is type(found):
        return True
    if expected is None or found is None:
        return False
    if isinstance(expected, str) and isinstance(found, str):
        a, b = _instant_ms(expected), _instant_ms(found)
        return a is not None and b is not None and abs(a - b) <= tolerance.time_ms
    if isinstance(expected, bool) or isinstance(found, bool):  # a BIT read as 0/1
        return isinstance(expected, int | float) and isinstance(found, int | float) and expected == found
    if isinstance(expected, int | float) and isinstance(found, int | float):
        if column.endswith("_ms"):
            return abs(expected - found) <= tolerance.time_ms
        if isinstance(expected, int) and isinstance(found, int):
            return expected == found
        if math.isnan(expected) or math.isnan(found):
            return math.isnan(expected) and math.isnan(found)
        return abs(expected - found) <= tolerance.number + 1e-9 * max(abs(expected), abs(found))
    return False


@dataclass
class TableResult:
    table: str
    expected: int = 0
    found: int = 0
    missing: int = 0
    unexpected: int = 0
    differing: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not (self.missing or self.unexpected or self.differing or self.notes) and self.expected == self.found


def _describe(key: list[str], row: list[Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(key, row, strict=True))


def compare(expected: dict, found_rows: list[dict[str, Any]] | None, tolerance: Tolerance,
            examples: int = 3, found_columns: list[str] | None = None) -> TableResult:
    """expected: a shipped expected/<table>.json; found_rows: normalised rows, None when the table
    is not there; found_columns: the table's columns (lower case)."""
    table, key, columns = expected["table"], expected["key"], expected["columns"]
    result = TableResult(table, expected=len(expected["rows"]))
    if found_rows is None:
        result.missing = result.expected
        result.notes.append("the table was not built")
        return result
    result.found = len(found_rows)
    present = found_columns if found_columns is not None else list(found_rows[0]) if found_rows else columns
    absent = [c for c in columns if c not in present]
    if absent:
        result.notes.append(f"columns not in the table: {', '.join(absent)}")
    wanted = [dict(zip(columns, row, strict=True)) for row in expected["rows"]]
    by_key: dict[tuple, list[dict]] = {}
    for row in found_rows:
        by_key.setdefault(tuple(row.get(k) for k in key), []).append(row)
    unmatched: list[dict] = []
    pairs: list[tuple[dict, dict]] = []
    for row in wanted:
        candidates = by_key.get(tuple(row[k] for k in key))
        if candidates:
            pairs.append((row, candidates.pop()))
        else:
            unmatched.append(row)
    rest = [row for rows in by_key.values() for row in rows]
    for row in unmatched:  # keys equal only within the tolerance (times)
        match = next((other for other in rest if all(equal(row[k], other.get(k), k, tolerance) for k in key)), None)
        if match is None:
            result.missing += 1
            if len(result.notes) < examples:
                result.notes.append(f"missing: {_describe(key, [row[k] for k in key])}")
        else:
            rest.remove(match)
            pairs.append((row, match))
    result.unexpected = len(rest)
    for row in rest[:max(0, examples - len(result.notes))]:
        result.notes.append(f"unexpected: {_describe(key, [row.get(k) for k in key])}")
    for want, got in pairs:
        differing = [c for c in columns if c in got and not equal(want[c], got[c], c, tolerance)]
        if differing:
            result.differing += 1
            if len(result.notes) < examples:
                shown = "; ".join(f"{c} expected {want[c]!r}, found {got[c]!r}" for c in differing[:3])
                result.notes.append(f"differs at {_describe(key, [want[k] for k in key])}: {shown}")
    return result


def table_lines(results: list[TableResult]) -> list[str]:
    width = max(len("table"), *(len(r.table) for r in results))
    lines = [f"  {'table':<{width}}  {'expected':>8}  {'found':>8}  {'missing':>7}  {'unexpected':>10}  "
             f"{'differing':>9}  result"]
    for r in results:
        lines.append(f"  {r.table:<{width}}  {r.expected:>8}  {r.found:>8}  {r.missing:>7}  {r.unexpected:>10}  "
                     f"{r.differing:>9}  {'PASS' if r.passed else 'FAIL'}")
    for r in results:
        lines.extend(f"    {r.table}: {note}" for note in r.notes)
    return lines
