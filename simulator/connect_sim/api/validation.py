"""The constraint checks AWS's request validation makes, driven by the input shape.

botocore checks only required members and minimums on the client; maximums (MaxResults,
100 queues per filter, 5 V2 filters ...), enums and types are left to the service, so the
simulator checks them here and words each violation as AWS does.
"""

from __future__ import annotations

from typing import Any

from botocore.model import Shape

_NUMBER_TYPES = {"integer": int, "long": int, "double": (int, float), "float": (int, float)}


def constraint_violations(shape: Shape, params: dict[str, Any]) -> list[str]:
    violations: list[str] = []
    _check_structure(shape, params, "", violations)
    return violations


def _path(prefix: str, member_name: str) -> str:
    name = member_name[:1].lower() + member_name[1:]
    return f"{prefix}.{name}" if prefix else name


def _render(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    return str(value)


def _violation(value: Any, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{_render(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def _check_structure(shape: Shape, value: dict[str, Any], path: str, out: list[str]) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            out.append(_violation(None, _path(path, name), "not be null"))
    for name, member in shape.members.items():
        if value.get(name) is not None:
            _check(member, value[name], _path(path, name), out)


def _check(shape: Shape, value: Any, path: str, out: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            out.append(_violation(value, path, "be a structure"))
            return
        _check_structure(shape, value, path, out)
    elif kind == "list":
        if not isinstance(value, list):
            out.append(_violation(value, path, "be a list"))
            return
        _check_length(shape, value, path, out)
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", out)
    elif kind == "string":
        if not isinstance(value, str):
            out.append(_violation(value, path, "be a string"))
            return
        if shape.enum and value not in shape.enum:
            allowed = ", ".join(shape.enum)
            out.append(_violation(value, path, f"satisfy enum value set: [{allowed}]"))
        _check_length(shape, value, path, out)
    elif kind in _NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES[kind]):
            out.append(_violation(value, path, "be a number"))
            return
        _check_range(shape, value, path, out)
    elif kind == "boolean" and not isinstance(value, bool):
        out.append(_violation(value, path, "be a boolean"))


def _check_length(shape: Shape, value: list | str, path: str, out: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        out.append(_violation(value, path, f"have length greater than or equal to {low}"))
    if high is not None and len(value) > high:
        out.append(_violation(value, path, f"have length less than or equal to {high}"))


def _check_range(shape: Shape, value: float, path: str, out: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        out.append(_violation(value, path, f"have value greater than or equal to {low}"))
    if high is not None and value > high:
        out.append(_violation(value, path, f"have value less than or equal to {high}"))
