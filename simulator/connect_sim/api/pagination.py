"""Pages and NextTokens.

The first request of a listing computes the whole result and answers its first page; the
result is kept server-side under an opaque random NextToken, so later pages come from the
same snapshot (Connect's metric APIs say their results are "cached for pagination";
DataSnapshotTime stays that of the first page).

A token is bound to its operation and to the request's parameters (all but NextToken and
MaxResults): a token reused with other parameters, an unknown or mangled token, and an
expired one are refused. Tokens of GetMetricData and GetCurrentMetricData expire 5 minutes
after they were issued, in wall time: a client pages in real time whatever the speed of
the simulated clock. Other tokens do not expire; the store forgets the least recently
issued ones beyond `capacity`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import bad_input, invalid_request

T = TypeVar("T")

TOKEN_LIFETIME_S = 300.0
EXPIRING_TOKEN_OPERATIONS = frozenset({"GetMetricData", "GetCurrentMetricData"})
# Page size when the request gives no MaxResults (the model documents 100 for most List*).
DEFAULT_PAGE_SIZE = {"ListInstances": 10, "ListInstanceStorageConfigs": 10}
FALLBACK_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None
    snapshot_ms: int  # the simulated moment the whole result was computed at
    total: int

    def answer(self, document: dict[str, Any]) -> dict[str, Any]:
        """`document` with this page's NextToken when more pages follow."""
        if self.next_token:
            document["NextToken"] = self.next_token
        return document


@dataclass(slots=True)
class _Cursor:
    operation: str
    query_key: str
    offset: int
    items: Sequence[Any]
    snapshot_ms: int
    issued_wall_s: float


def query_key(params: dict[str, Any]) -> str:
    bound = {k: v for k, v in params.items() if k not in ("NextToken", "MaxResults")}
    return json.dumps(bound, sort_keys=True, default=str)


class PageTokens:
    def __init__(self, wall: Callable[[], float] = time.monotonic, capacity: int = 4096) -> None:
        self._wall = wall
        self._capacity = capacity
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def paginate(
        self,
        operation: str,
        params: dict[str, Any],
        now_ms: int,
        compute: Callable[[], Sequence[T]],
    ) -> Page[T]:
        """The page the request asks for; `compute` runs only for a first page."""
        key = query_key(params)
        size = params.get("MaxResults") or DEFAULT_PAGE_SIZE.get(operation, FALLBACK_PAGE_SIZE)
        token = params.get("NextToken")
        if token:
            cursor = self._redeem(token, operation, key)
            items, offset, snapshot_ms = cursor.items, cursor.offset, cursor.snapshot_ms
        else:
            items, offset, snapshot_ms = compute(), 0, now_ms
        end = offset + size
        next_token = None
        if end < len(items):
            next_token = self._issue(_Cursor(operation, key, end, items, snapshot_ms, self._wall()))
        return Page(list(items[offset:end]), next_token, snapshot_ms, len(items))

    def _issue(self, cursor: _Cursor) -> str:
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._cursors[token] = cursor
            while len(self._cursors) > self._capacity:
                self._cursors.popitem(last=False)
        return token

    def _redeem(self, token: str, operation: str, key: str) -> _Cursor:
        with self._lock:
            cursor = self._cursors.get(token)
        if cursor is None or cursor.operation != operation:
            raise invalid_request("The nextToken is not valid.")
        if cursor.query_key != key:
            raise bad_input(
                operation,
                "The nextToken was issued for a request with different parameters. "
                "Subsequent requests that use the token must use the same request parameters.",
            )
        if operation in EXPIRING_TOKEN_OPERATIONS and (
            self._wall() - cursor.issued_wall_s > TOKEN_LIFETIME_S
        ):
            raise bad_input(operation, "The nextToken has expired.")
        return cursor
