"""A contact segment's value for a filter key or grouping, and the ARN beside it; and an
agent's, at a moment, for the agent-activity metrics (agent_activity.py).

QUEUE, CHANNEL and INITIATION_METHOD belong to the segment. ROUTING_PROFILE, AGENT and
AGENT_HIERARCHY_LEVEL_* are those of the agent who took the contact, with the agent's
configuration in force when the contact connected; a contact no agent took has none.
Attributes the simulation does not model (bots, campaigns, ...) have no value on any
contact, so a filter on them matches nothing and a grouping by them yields no rows.
"""

from __future__ import annotations

from ..model import ContactSegment, Directory, HierarchyGroup, Instance, User, UserVersion
from .v2_catalog import HIERARCHY_KEYS

_LEVEL_OF_KEY = {key: str(level) for level, key in enumerate(HIERARCHY_KEYS, start=1)}


class SegmentDimensions:
    def __init__(self, directory: Directory, instance: Instance) -> None:
        self._users: dict[str, User] = {u.id: u for u in directory.users_of(instance.id)}
        self._groups: dict[str, HierarchyGroup] = {
            g.id: g for g in directory.hierarchy_groups if g.instance_id == instance.id
        }
        self._arns: dict[str, dict[str, str]] = {
            "QUEUE": {q.id: q.arn for q in directory.queues_of(instance.id)},
            "ROUTING_PROFILE": {
                p.id: p.arn for p in directory.routing_profiles if p.instance_id == instance.id
            },
            "AGENT": {u.id: u.arn for u in self._users.values()},
            **{key: {g.id: g.arn for g in self._groups.values()} for key in HIERARCHY_KEYS},
        }

    def value(self, key: str, segment: ContactSegment) -> str | None:
        if key == "QUEUE":
            return segment.queue_id
        if key == "CHANNEL":
            return segment.channel
        if key == "INITIATION_METHOD":
            return segment.initiation_method
        if key == "AGENT":
            return segment.agent_user_id
        if key == "ROUTING_PROFILE":
            version = self._agent_version(segment)
            return version.routing_profile_id if version else None
        if key in _LEVEL_OF_KEY:
            version = self._agent_version(segment)
            return self._group_at_level(version.hierarchy_group_id, _LEVEL_OF_KEY[key]) if version else None
        return None

    def agent_value(self, key: str, user_id: str, t_ms: int) -> str | None:
        """An agent's value at a moment for AGENT, ROUTING_PROFILE and
        AGENT_HIERARCHY_LEVEL_* (its configuration then); None for any other key (an
        agent's time has no queue or channel)."""
        if key == "AGENT":
            return user_id if user_id in self._users else None
        if key != "ROUTING_PROFILE" and key not in _LEVEL_OF_KEY:
            return None
        user = self._users.get(user_id)
        if user is None:
            return None
        version = user.version_at(t_ms)
        if key == "ROUTING_PROFILE":
            return version.routing_profile_id
        return self._group_at_level(version.hierarchy_group_id, _LEVEL_OF_KEY[key])

    def version_changes(self, user_id: str) -> list[int]:
        """When the agent's configuration changed (its value for a key may change there)."""
        user = self._users.get(user_id)
        return [v.effective_ms for v in user.versions[1:]] if user else []

    def arn(self, key: str, value: str) -> str | None:
        """The ARN Connect reports next to a resource dimension (e.g. QUEUE_ARN)."""
        return self._arns.get(key, {}).get(value)

    def has_arn(self, key: str) -> bool:
        return key in self._arns

    def _agent_version(self, segment: ContactSegment) -> UserVersion | None:
        user = self._users.get(segment.agent_user_id or "")
        if user is None:
            return None
        return user.version_at(segment.connected_ms or segment.enqueue_ms)

    def _group_at_level(self, group_id: str, level: str) -> str | None:
        group = self._groups.get(group_id)
        while group is not None:
            if group.level_id == level:
                return group.id
            group = self._groups.get(group.parent_id or "")
        return None
