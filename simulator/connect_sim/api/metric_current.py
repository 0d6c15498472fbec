"""GetCurrentMetricData: the centre now, from `World.live`.

An agent counts for a queue (and channel) when their routing profile serves it. Agent
activity follows Connect's real-time definitions: Online = status not Offline; Staffed =
online and not in a custom status; NPT = custom status; On contact = a contact connected,
ringing, on hold or in after-contact work; Error = a contact in error; Available = in the
Available status with a free slot and no missed, rejected or errored contact. Quirks kept:
AGENTS_AFTER_CONTACT_WORK counts contacts in after-contact work, not agents, and
OLDEST_CONTACT_AGE is in milliseconds when the request has no grouping.

A row is returned for a group that has a logged-in agent or a waiting contact; results
are sorted by AGENTS_ONLINE, descending, unless SortCriteria says otherwise. Filters other
than Queues and Channels, and groupings other than QUEUE and CHANNEL, are not simulated
and are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import (
    CHANNELS,
    MISSED_GROUP_STATES,
    ON_CONTACT_STATES,
    ContactView,
    Instance,
    RoutingProfile,
)
from ..world import LiveAgent, LiveView
from .context import Call
from .errors import invalid_parameter
from .resources import instance_of, resource_id
from .wire import epoch_seconds, value_or_absent

Document = dict[str, Any]

ACTIVE_STATES = ON_CONTACT_STATES | {"ENDED"}  # connected, ringing, on hold, ACW
# A contact missed, rejected (chat/task) or errored keeps the agent from being Available until
# it is cleared (docs/aws-sources.md §2; model.MISSED_GROUP_STATES).
BLOCKING_STATES = MISSED_GROUP_STATES
SUPPORTED_CHANNELS = frozenset(CHANNELS)
SUPPORTED_GROUPINGS = ("QUEUE", "CHANNEL")
UNITS = {"OLDEST_CONTACT_AGE": "SECONDS", "ESTIMATED_WAIT_TIME": "SECONDS"}
UNSORTABLE = frozenset({"SLOTS_ACTIVE", "SLOTS_AVAILABLE"})


@dataclass(frozen=True, slots=True)
class _Scope:
    """One result row: the queues and channels it covers."""

    queue_id: str | None
    channel: str | None
    queue_ids: frozenset[str]
    channels: frozenset[str]


@dataclass(frozen=True, slots=True)
class _AgentView:
    agent: LiveAgent
    profile: RoutingProfile
    contacts: tuple[ContactView, ...]  # the agent's contacts on the scope's channels


def _serves(profile: RoutingProfile, scope: _Scope) -> bool:
    return any(q.queue_id in scope.queue_ids and q.channel in scope.channels
               for q in profile.queues)


def _free_slots(view: _AgentView, scope: _Scope) -> int:
    """Slots the agent could still be offered on the scope's channels (contacts of another
    channel block the others, as without cross-channel concurrency)."""
    busy_channels = {c.channel for c in view.agent.contacts}
    best = 0
    for channel in scope.channels:
        if busy_channels - {channel}:
            continue
        best = max(best, view.profile.concurrency_for(channel) - len(view.agent.contacts))
    return best


def _agent_counts(views: list[_AgentView], scope: _Scope) -> dict[str, float]:
    online = [v for v in views if v.agent.status_type != "OFFLINE"]
    routable = [v for v in online if v.agent.status_type == "ROUTABLE"]
    active = [c for v in views for c in v.contacts if c.state in ACTIVE_STATES]
    return {
        "AGENTS_ONLINE": len(online),
        "AGENTS_STAFFED": len(routable),
        "AGENTS_NON_PRODUCTIVE": sum(1 for v in online if v.agent.status_type == "CUSTOM"),
        "AGENTS_ON_CONTACT": sum(
            1 for v in views if any(c.state in ACTIVE_STATES for c in v.contacts)
        ),
        "AGENTS_ERROR": sum(1 for v in views if any(c.state == "ERROR" for c in v.contacts)),
        "AGENTS_AFTER_CONTACT_WORK": sum(1 for c in active if c.state == "ENDED"),
        "AGENTS_AVAILABLE": sum(
            1 for v in routable
            if not any(c.state in BLOCKING_STATES for c in v.agent.contacts)
            and _free_slots(v, scope) > 0
        ),
        "SLOTS_ACTIVE": len(active),
        "SLOTS_AVAILABLE": sum(max(0, _free_slots(v, scope)) for v in routable),
    }


def _values(live: LiveView, scope: _Scope, profiles: dict[str, RoutingProfile],
            grouped: bool) -> tuple[dict[str, float | None], bool]:
    """Every metric's value for the scope, and whether the scope has any data."""
    views = [
        _AgentView(agent, profiles[agent.routing_profile_id],
                   tuple(c for c in agent.contacts if c.channel in scope.channels))
        for agent in live.agents
        if agent.logged_in and agent.routing_profile_id in profiles
        and _serves(profiles[agent.routing_profile_id], scope)
    ]
    waiting = [enqueue_ms for queue_id, channel, enqueue_ms in live.waiting
               if queue_id in scope.queue_ids and channel in scope.channels]
    oldest_ms = live.now_ms - min(waiting) if waiting else 0
    values: dict[str, float | None] = {name: float(n) for name, n in
                                       _agent_counts(views, scope).items()}
    values["AGENTS_ON_CALL"] = values["AGENTS_ON_CONTACT"]
    values["CONTACTS_IN_QUEUE"] = float(len(waiting))
    values["OLDEST_CONTACT_AGE"] = oldest_ms / 1000 if grouped else float(oldest_ms)
    values["CONTACTS_SCHEDULED"] = 0.0
    values["ESTIMATED_WAIT_TIME"] = None
    return values, bool(views or waiting)


def _scopes(queue_ids: list[str], channels: list[str], groupings: list[str]) -> list[_Scope]:
    by_queue = "QUEUE" in groupings
    by_channel = "CHANNEL" in groupings
    queue_groups = [(q, frozenset({q})) for q in queue_ids] if by_queue else [
        (None, frozenset(queue_ids))]
    channel_groups = [(c, frozenset({c})) for c in channels] if by_channel else [
        (None, frozenset(channels))]
    return [_Scope(q, c, qs, cs) for q, qs in queue_groups for c, cs in channel_groups]


def _check_request(call: Call) -> tuple[list[str], list[str]]:
    params = call.params
    filters = params["Filters"]
    unsupported = sorted(k for k in filters if k not in ("Queues", "Channels") and filters[k])
    if unsupported:
        raise invalid_parameter(f"The {unsupported[0]} filter is not available on this "
                                "instance; filter by Queues and Channels")
    if not filters.get("Queues"):
        raise invalid_parameter("The Queues filter is required")
    channels = list(dict.fromkeys(filters.get("Channels") or CHANNELS))
    if not set(channels) <= SUPPORTED_CHANNELS:
        raise invalid_parameter("VOICE, CHAT, and TASK channels are supported")
    groupings = list(dict.fromkeys(params.get("Groupings") or ()))
    for grouping in groupings:
        if grouping not in SUPPORTED_GROUPINGS:
            raise invalid_parameter(f"Grouping {grouping} is not available on this instance; "
                                    "group by QUEUE and CHANNEL")
    if not params["CurrentMetrics"]:
        raise invalid_parameter("CurrentMetrics must contain at least one metric")
    for metric in params["CurrentMetrics"]:
        name = metric.get("Name")
        if not name:
            raise invalid_parameter("Each metric needs a Name; custom metrics (MetricId) are "
                                    "not available on this instance")
        expected = UNITS.get(name, "COUNT")
        if metric.get("Unit", expected) != expected:
            raise invalid_parameter(f"The unit for {name} must be {expected}")
    for criterion in params.get("SortCriteria") or ():
        if criterion.get("SortByMetric") in UNSORTABLE:
            raise invalid_parameter(f"Sorting on {criterion['SortByMetric']} is not supported")
    return channels, groupings


def _sort_key(criteria: list[Document]) -> tuple[str, bool]:
    if criteria:
        return criteria[0].get("SortByMetric", "AGENTS_ONLINE"), criteria[0].get(
            "SortOrder", "DESCENDING") == "DESCENDING"
    return "AGENTS_ONLINE", True


def _dimensions(scope: _Scope, queue_arns: dict[str, str]) -> Document:
    document: Document = {}
    if scope.queue_id is not None:
        document["Queue"] = {"Id": scope.queue_id, "Arn": queue_arns[scope.queue_id]}
    if scope.channel is not None:
        document["Channel"] = scope.channel
    return document


def _rows_builder(call: Call, instance: Instance, channels: list[str],
                  groupings: list[str]) -> Callable[[], list[Document]]:
    params = call.params
    queue_arns = {q.id: q.arn for q in call.directory.queues_of(instance.id)}
    queue_ids = list(dict.fromkeys(
        qid for qid in (resource_id(instance, ref, "queue") for ref in params["Filters"]["Queues"])
        if qid in queue_arns
    ))
    profiles = {p.id: p for p in call.directory.routing_profiles if p.instance_id == instance.id}
    sort_metric, descending = _sort_key(params.get("SortCriteria") or [])

    def rows() -> list[Document]:
        live = call.world.live(instance.id)
        scored = []
        for scope in _scopes(queue_ids, channels, groupings):
            values, has_data = _values(live, scope, profiles, grouped=bool(groupings))
            if not has_data:
                continue
            row = {
                "Dimensions": _dimensions(scope, queue_arns),
                "Collections": [
                    {"Metric": metric, **value_or_absent(values[metric["Name"]])}
                    for metric in params["CurrentMetrics"]
                ],
            }
            scored.append((values[sort_metric] or 0.0, scope.queue_id or "", scope.channel or "",
                           row))
        scored.sort(key=lambda item: (-item[0] if descending else item[0], item[1], item[2]))
        return [row for *_, row in scored]

    return rows


def get_current_metric_data(call: Call) -> Document:
    instance = instance_of(call)
    channels, groupings = _check_request(call)
    page = call.pages.paginate(call.operation, call.params, call.now_ms,
                               _rows_builder(call, instance, channels, groupings))
    document: Document = {
        "MetricResults": page.items,
        "DataSnapshotTime": epoch_seconds(page.snapshot_ms),
        "ApproximateTotalCount": page.total,
    }
    return page.answer(document)
