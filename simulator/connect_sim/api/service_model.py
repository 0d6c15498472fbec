"""botocore's model of Amazon Connect: the single source of routes, shapes and limits."""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel

# The operations the simulator serves.
OPERATIONS = (
    "ListInstances",
    "DescribeInstance",
    "ListInstanceStorageConfigs",
    "ListQueues",
    "DescribeQueue",
    "ListRoutingProfiles",
    "ListAgentStatuses",
    "ListUserHierarchyGroups",
    "DescribeUserHierarchyGroup",
    "ListUsers",
    "DescribeUser",
    "SearchUsers",
    "GetMetricData",
    "GetMetricDataV2",
    "GetCurrentMetricData",
)


@cache
def connect_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("connect")


def operation(name: str) -> OperationModel:
    return connect_model().operation_model(name)


def error_codes(operation_name: str) -> frozenset[str]:
    """The error codes the model declares for an operation."""
    return frozenset(shape.name for shape in operation(operation_name).error_shapes)
