"""Who calls, and which resource an IAM denial names.

The caller comes from the SigV4 Authorization header: an access key alone is an IAM user
named by the key id; a request with a session token (assumed role) is the spec's role
WFMSGConnectAPIRole with the key id as session name. A server may fix the caller instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ASSUMED_ROLE_NAME = "WFMSGConnectAPIRole"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")

# IAM resource type and the request member naming the resource, per operation.
_RESOURCE_OF = {
    "DescribeQueue": ("queue", "QueueId"),
    "DescribeUser": ("agent", "UserId"),
    "DescribeUserHierarchyGroup": ("agent-group", "HierarchyGroupId"),
    "ListQueues": ("queue", None),
    "ListUsers": ("agent", None),
    "SearchUsers": ("agent", None),
    "ListRoutingProfiles": ("routing-profile", None),
    "ListAgentStatuses": ("agent-state", None),
    "ListUserHierarchyGroups": ("agent-group", None),
}


def caller_arn(headers: Mapping[str, str], account_id: str) -> str:
    found = _CREDENTIAL.search(headers.get("Authorization", ""))
    key_id = found.group(1) if found else "anonymous"
    if headers.get("X-Amz-Security-Token"):
        return f"arn:aws:sts::{account_id}:assumed-role/{ASSUMED_ROLE_NAME}/{key_id}"
    return f"arn:aws:iam::{account_id}:user/{key_id}"


def denied_resource_arn(operation: str, params: dict[str, Any], region: str, account_id: str) -> str:
    instances = f"arn:aws:connect:{region}:{account_id}:instance"
    if operation == "ListInstances":
        return f"{instances}/*"
    if operation == "GetMetricDataV2":
        return str(params.get("ResourceArn") or f"{instances}/*")
    instance = str(params.get("InstanceId") or "*")
    instance_arn = instance if instance.startswith("arn:") else f"{instances}/{instance}"
    if operation not in _RESOURCE_OF:
        return instance_arn
    kind, id_member = _RESOURCE_OF[operation]
    resource_id = params.get(id_member, "*") if id_member else "*"
    return f"{instance_arn}/{kind}/{resource_id}"
