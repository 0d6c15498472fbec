"""Id → entity lookups over a `model.Directory`, for building event documents quickly.

The directory holds plain lists. The maps are rebuilt when a lookup misses, so entities the
world adds later (a new user, say) are found; entities are frozen, and a user's changes come
as new `UserVersion`s, so nothing found once goes stale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..model import AgentStatus, Directory, HierarchyGroup, Instance, Queue, RoutingProfile, User

T = TypeVar("T")


class DirectoryLookup:
    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self._rebuild()

    def _rebuild(self) -> None:
        d = self._directory
        self._instances = {i.id: i for i in d.instances}
        self._users = {u.id: u for u in d.users}
        self._queues = {q.id: q for q in d.queues}
        self._routing_profiles = {p.id: p for p in d.routing_profiles}
        self._statuses = {s.id: s for s in d.agent_statuses}
        self._groups = {g.id: g for g in d.hierarchy_groups}
        self._agent_queues = {
            q.owner_user_id: q for q in d.queues if q.queue_type == "AGENT" and q.owner_user_id
        }

    def _find(self, table: Callable[[], dict[str, T]], key: str, kind: str) -> T:
        found = table().get(key)
        if found is None:
            self._rebuild()
            found = table().get(key)
            if found is None:
                raise KeyError(f"no {kind} {key!r} in the directory")
        return found

    def instance(self, instance_id: str) -> Instance:
        return self._find(lambda: self._instances, instance_id, "instance")

    def user(self, user_id: str) -> User:
        return self._find(lambda: self._users, user_id, "user")

    def queue(self, queue_id: str) -> Queue:
        return self._find(lambda: self._queues, queue_id, "queue")

    def routing_profile(self, routing_profile_id: str) -> RoutingProfile:
        return self._find(lambda: self._routing_profiles, routing_profile_id, "routing profile")

    def agent_status(self, status_id: str) -> AgentStatus:
        return self._find(lambda: self._statuses, status_id, "agent status")

    def hierarchy_group(self, group_id: str) -> HierarchyGroup:
        return self._find(lambda: self._groups, group_id, "hierarchy group")

    def agent_queue_of(self, user_id: str) -> Queue | None:
        """The user's own AGENT queue (transfers to the agent), if the directory has one."""
        if user_id not in self._users:
            self._rebuild()
        return self._agent_queues.get(user_id)

    def hierarchy_path(self, group_id: str) -> dict[int, HierarchyGroup]:
        """The group and its ancestors keyed by level number (1 = top)."""
        path: dict[int, HierarchyGroup] = {}
        current: str | None = group_id
        while current:
            group = self.hierarchy_group(current)
            path[int(group.level_id)] = group
            current = group.parent_id
        return path
