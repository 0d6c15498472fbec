"""The tap's streams, one module per family."""

from .agents import AgentActivityMetricsStream, AgentIntervalMetricsStream
from .configuration import (
    AgentStatusesStream,
    InstancesStream,
    QueuesStream,
    RoutingProfilesStream,
    UserHierarchyGroupsStream,
)
from .current import QueueCurrentMetricsStream
from .metrics import QueueIntervalMetricsStream
from .users import UsersStream

STREAM_TYPES = (
    InstancesStream,
    QueuesStream,
    RoutingProfilesStream,
    AgentStatusesStream,
    UserHierarchyGroupsStream,
    UsersStream,
    QueueIntervalMetricsStream,
    AgentIntervalMetricsStream,
    AgentActivityMetricsStream,
    QueueCurrentMetricsStream,
)

__all__ = ["STREAM_TYPES"]
