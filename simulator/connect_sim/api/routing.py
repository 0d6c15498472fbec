"""HTTP method + path → operation, from the requestUri templates in botocore's model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from .service_model import OPERATIONS, operation


@dataclass(frozen=True, slots=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]


def _compile(operation_name: str) -> Route:
    http = operation(operation_name).http
    template = http["requestUri"].split("?", 1)[0]
    labels = tuple(re.findall(r"{(\w+)}", template))
    # botocore percent-encodes labels (":" and "/" of an ARN too), so a label never spans "/".
    regex = re.sub(r"\\{(\w+)\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(template))
    return Route(operation_name, http["method"], re.compile(f"^{regex}$"), labels)


class Router:
    def __init__(self, operations: tuple[str, ...] = OPERATIONS) -> None:
        self._routes = [_compile(name) for name in operations]

    def match(self, method: str, raw_path: str) -> tuple[str, dict[str, str]] | None:
        """(operation, decoded path labels), or None when no operation has this route."""
        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.match(raw_path)
            if found:
                return route.operation, {k: unquote(v) for k, v in found.groupdict().items()}
        return None
