"""Amazon Connect's API throttling quotas, and the pace the tap keeps under them.

AWS throttles each Connect API on its own (HTTP 429 beyond its quota), per account and
Region: every caller in the account draws from the same buckets (docs/aws-sources.md §7;
https://docs.aws.amazon.com/connect/latest/APIReference/best-practices-connect-apis.html,
https://docs.aws.amazon.com/connect/latest/adminguide/amazon-connect-service-limits.html).
The defaults below are the documented conservative ones: GetMetricData and
GetCurrentMetricData 5 requests/s with a burst of 8, every other operation 2/s burst 5.
Newer accounts may have higher defaults (Service Quotas lists 10/s for GetMetricDataV2,
ListUsers, DescribeUser and others); `api_quotas` sets what your account has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wfm_aws import Rate

# What the tap calls (the names `api_quotas` accepts, besides "*").
OPERATIONS = (
    "ListInstances", "DescribeInstance", "ListQueues", "DescribeQueue", "ListRoutingProfiles",
    "ListAgentStatuses", "ListUserHierarchyGroups", "DescribeUserHierarchyGroup", "ListUsers",
    "DescribeUser", "GetMetricData", "GetMetricDataV2", "GetCurrentMetricData",
)
EVERY_OTHER = "*"

# Pace under each quota, never at it. The client spaces its sends; the server counts
# arrivals, which latency jitter can bunch. Holding one request of the burst back absorbs
# about one request interval of jitter (0.2 s at 5/s, 0.55 s at 2/s), and 90% of the rate lets
# the server's bucket refill a little faster than the tap drains it, so that spare request
# comes back during a long loop.
RATE_SHARE = 0.9
BURST_HELD_BACK = 1


@dataclass(frozen=True)
class Quota:
    per_second: float
    burst: int


DOCUMENTED = {"GetMetricData": Quota(5, 8), "GetCurrentMetricData": Quota(5, 8)}
DOCUMENTED_OTHERS = Quota(2, 5)


def pace(quota: Quota) -> Rate:
    """The client-side budget for a quota: a little under its rate and its burst."""
    return Rate(quota.per_second * RATE_SHARE, max(1, quota.burst - BURST_HELD_BACK))


def client_rates(quotas: Mapping[str, float]) -> tuple[dict[str, Rate | None], Rate | None]:
    """(per operation, for any other operation) budgets from api_quotas, where a rate of 0
    means unpaced (None). A configured rate keeps the operation's documented burst: Service
    Quotas shows rates only."""
    every_other = quotas.get(EVERY_OTHER)

    def budget(name: str, per_second: float | None) -> Rate | None:
        documented = DOCUMENTED.get(name, DOCUMENTED_OTHERS)
        if per_second is None:
            return pace(documented)
        return pace(Quota(per_second, documented.burst)) if per_second > 0 else None

    return ({name: budget(name, quotas.get(name, every_other)) for name in OPERATIONS},
            budget(EVERY_OTHER, every_other))
