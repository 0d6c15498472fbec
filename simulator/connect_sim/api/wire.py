"""Request decoding and response encoding for the rest-json protocol.

Requests: path labels, query-string members and JSON body members are placed by the
input shape's serialization rules, as botocore's serializer put them. Timestamps arrive as
epoch seconds and become integer milliseconds (the simulator's unit). Responses carry
timestamps as epoch seconds, which botocore parses into datetimes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from botocore.model import Shape

from .errors import bad_input, malformed_body
from .service_model import operation


def epoch_seconds(ms: int) -> float:
    return ms / 1000


def value_or_absent(value: float | None) -> dict[str, float]:
    """A metric datum's Value member: absent when the value is null (Connect's null)."""
    return {} if value is None else {"Value": value}


def decode_request(
    operation_name: str, labels: dict[str, str], query: dict[str, list[str]], body: bytes
) -> dict[str, Any]:
    shape = operation(operation_name).input_shape
    document = _json_document(body)
    params: dict[str, Any] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            if wire_name in labels:
                params[name] = labels[wire_name]
        elif location == "querystring":
            if query.get(wire_name):
                params[name] = _from_query(operation_name, wire_name, member, query[wire_name])
        elif location is None and wire_name in document:
            params[name] = _coerce_timestamps(operation_name, member, document[wire_name])
    return params


def _json_document(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise malformed_body() from exc
    if not isinstance(document, dict):
        raise malformed_body()
    return document


def _from_query(operation_name: str, wire_name: str, member: Shape, values: list[str]) -> Any:
    if member.type_name == "list":
        return list(values)
    if member.type_name in ("integer", "long"):
        try:
            return int(values[0])
        except ValueError as exc:
            raise bad_input(operation_name, f"{wire_name} must be a number") from exc
    if member.type_name == "boolean":
        return values[0].lower() == "true"
    return values[0]


def _coerce_timestamps(operation_name: str, shape: Shape, value: Any) -> Any:
    if shape.type_name == "timestamp":
        return _timestamp_ms(operation_name, shape.name, value)
    if shape.type_name == "structure" and isinstance(value, dict):
        return {
            key: _coerce_timestamps(operation_name, shape.members[key], item)
            if key in shape.members else item
            for key, item in value.items()
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [_coerce_timestamps(operation_name, shape.member, item) for item in value]
    return value


def _timestamp_ms(operation_name: str, name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise bad_input(operation_name, f"{name} is not a valid timestamp")
    if isinstance(value, int | float):
        return round(value * 1000)
    if isinstance(value, str):
        try:
            return round(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            pass
    raise bad_input(operation_name, f"{name} is not a valid timestamp")


def encode_body(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()
