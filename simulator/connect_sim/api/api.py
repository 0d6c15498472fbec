"""One request in, one response out: routing, faults, validation, the handler, errors.

The order is Connect's as a client sees it: the route (unknown → 404), the world brought
to now, the request decoded, slowness, throttling, IAM, parameter validation, then the
operation itself. Kept apart from the HTTP server so tests can drive it directly.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from . import config_handlers as config
from .context import Call, WorldView
from .errors import ApiError, internal_error, unknown_operation, validation_failed
from .fault_injection import FaultGate
from .identity import caller_arn, denied_resource_arn
from .metric_current import get_current_metric_data
from .metric_v1 import get_metric_data
from .metric_v2 import get_metric_data_v2
from .pagination import PageTokens
from .routing import Router
from .service_model import operation
from .user_search import search_users
from .validation import constraint_violations
from .wire import decode_request, encode_body

log = logging.getLogger(__name__)

Handler = Callable[[Call], dict[str, Any]]
# Called with (operation or None, HTTP status, the JSON document answered) after every request.
Observer = Callable[[str | None, int, dict[str, Any]], None]

HANDLERS: dict[str, Handler] = {
    "ListInstances": config.list_instances,
    "DescribeInstance": config.describe_instance,
    "ListInstanceStorageConfigs": config.list_instance_storage_configs,
    "ListQueues": config.list_queues,
    "DescribeQueue": config.describe_queue,
    "ListRoutingProfiles": config.list_routing_profiles,
    "ListAgentStatuses": config.list_agent_statuses,
    "ListUserHierarchyGroups": config.list_user_hierarchy_groups,
    "DescribeUserHierarchyGroup": config.describe_user_hierarchy_group,
    "ListUsers": config.list_users,
    "DescribeUser": config.describe_user,
    "SearchUsers": search_users,
    "GetMetricData": get_metric_data,
    "GetMetricDataV2": get_metric_data_v2,
    "GetCurrentMetricData": get_current_metric_data,
}

_ERROR_TYPE_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.connect/"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    document: dict[str, Any] = field(repr=False)


class ConnectApi:
    def __init__(
        self,
        world: WorldView,
        *,
        wall: Callable[[], float] = time.monotonic,
        caller: str | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.world = world
        self.pages = PageTokens(wall)
        self._faults = FaultGate(lambda: world.faults, wall)
        self._router = Router()
        self._caller = caller
        self._observer = observer
        first = world.directory.instances[0]
        self._region, self._account_id = first.region, first.account_id

    def handle(self, method: str, path: str, query: str, headers: Mapping[str, str],
               body: bytes) -> Response:
        operation_name: str | None = None
        try:
            routed = self._router.match(method, path)
            if routed is None:
                raise unknown_operation(method, path)
            operation_name, labels = routed
            document = self._serve(operation_name, labels, query, headers, body)
            response = self._respond(200, document, {})
        except ApiError as error:
            response = self._respond(error.status, error.body(), {
                "x-amzn-ErrorType": f"{error.code}:{_ERROR_TYPE_NAMESPACE}",
            })
        except Exception:
            log.exception("%s %s failed", method, path)
            error = internal_error()
            response = self._respond(error.status, error.body(),
                                     {"x-amzn-ErrorType": error.code})
        if self._observer:
            self._observer(operation_name, response.status, response.document)
        return response

    def _serve(self, operation_name: str, labels: dict[str, str], query: str,
               headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        now_ms = self.world.sync()
        params = decode_request(operation_name, labels, parse_qs(query), body)
        self._faults.delay()
        caller = self._caller or caller_arn(headers, self._account_id)
        self._faults.admit(operation_name, caller, lambda: denied_resource_arn(
            operation_name, params, self._region, self._account_id))
        violations = constraint_violations(operation(operation_name).input_shape, params)
        if violations:
            raise validation_failed(operation_name, violations)
        return HANDLERS[operation_name](Call(operation_name, params, now_ms, self.world, self.pages))

    @staticmethod
    def _respond(status: int, document: dict[str, Any], extra: dict[str, str]) -> Response:
        body = encode_body(document)
        headers = {
            "Content-Type": "application/json",
            "x-amzn-RequestId": str(uuid.uuid4()),
            **extra,
        }
        return Response(status, headers, body, document)

