"""Checks a document against a botocore shape: what a response must look like.

botocore's parser silently drops members it does not know, so a response can parse and
still not be what Connect sends. `shape_violations` checks the JSON document itself
(`wire=True`: timestamps as epoch numbers) or botocore's parsed result (`wire=False`:
timestamps as datetimes): required members, types, enums, lengths, ranges, patterns, and
no members the shape does not have.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from botocore.model import Shape


def shape_violations(shape: Shape, document: Any, *, wire: bool) -> list[str]:
    out: list[str] = []
    _check(shape, document, shape.name, wire, out)
    return out


def _check(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    kind = shape.type_name
    checker = _CHECKERS.get(kind)
    if checker is None:
        out.append(f"{path}: shape type {kind} is not checked")
        return
    checker(shape, value, path, wire, out)


def _structure(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    if not isinstance(value, dict):
        out.append(f"{path}: expected an object, got {type(value).__name__}")
        return
    for name in shape.required_members:
        if name not in value:
            out.append(f"{path}: required member {name} is missing")
    for name, item in value.items():
        if name == "ResponseMetadata" and not wire:
            continue  # botocore adds it to every parsed response
        member = shape.members.get(name)
        if member is None:
            out.append(f"{path}: unknown member {name}")
        elif item is None:
            out.append(f"{path}.{name}: null")
        else:
            _check(member, item, f"{path}.{name}", wire, out)


def _list(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    if not isinstance(value, list):
        out.append(f"{path}: expected a list, got {type(value).__name__}")
        return
    _length(shape, value, path, out)
    for index, item in enumerate(value):
        _check(shape.member, item, f"{path}[{index}]", wire, out)


def _map(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    if not isinstance(value, dict):
        out.append(f"{path}: expected a map, got {type(value).__name__}")
        return
    _length(shape, value, path, out)
    for key, item in value.items():
        _check(shape.key, key, f"{path}<key {key}>", wire, out)
        _check(shape.value, item, f"{path}[{key}]", wire, out)


def _string(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    if not isinstance(value, str):
        out.append(f"{path}: expected a string, got {type(value).__name__}")
        return
    if shape.enum and value not in shape.enum:
        out.append(f"{path}: {value!r} is not one of {shape.enum}")
    _length(shape, value, path, out)
    pattern = _python_pattern(shape.metadata.get("pattern"))
    if pattern and not re.search(pattern, value):
        out.append(f"{path}: {value!r} does not match {pattern}")


def _python_pattern(pattern: str | None) -> str | None:
    """The model's pattern when Python's re reads it alike (not \\p{..} classes, nor the
    doubly escaped patterns a few shapes carry)."""
    if not pattern or "\\\\" in pattern or "\\p" in pattern:
        return None
    return pattern


def _integer(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        out.append(f"{path}: expected an integer, got {value!r}")
        return
    _range(shape, value, path, out)


def _double(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        out.append(f"{path}: expected a number, got {value!r}")
        return
    _range(shape, value, path, out)


def _boolean(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    if not isinstance(value, bool):
        out.append(f"{path}: expected a boolean, got {value!r}")


def _timestamp(shape: Shape, value: Any, path: str, wire: bool, out: list[str]) -> None:
    if wire:
        if isinstance(value, bool) or not isinstance(value, int | float):
            out.append(f"{path}: expected epoch seconds, got {value!r}")
    elif not isinstance(value, datetime):
        out.append(f"{path}: expected a datetime, got {value!r}")


def _length(shape: Shape, value: Any, path: str, out: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        out.append(f"{path}: length {len(value)} is below the minimum {low}")
    if high is not None and len(value) > high:
        out.append(f"{path}: length {len(value)} is above the maximum {high}")


def _range(shape: Shape, value: float, path: str, out: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        out.append(f"{path}: {value} is below the minimum {low}")
    if high is not None and value > high:
        out.append(f"{path}: {value} is above the maximum {high}")


_CHECKERS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "double": _double,
    "float": _double,
    "boolean": _boolean,
    "timestamp": _timestamp,
}
