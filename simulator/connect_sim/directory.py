"""Builds the configuration of every simulated instance from the world's parameters."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from . import names
from .config import WorldConfig
from .ids import child_arn, instance_arn, new_id, seeded
from .model import (
    AgentStatus,
    Directory,
    HierarchyGroup,
    Instance,
    Queue,
    RoutingProfile,
    RoutingProfileQueue,
    User,
    UserVersion,
)

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
# User changes and deletions are planned this far past the start of the world.
CHANGE_HORIZON_MS = 120 * DAY_MS
SUPERVISORS_PER_INSTANCE = 2
AGENTS_PER_TEAM = 12


def build_directory(config: WorldConfig) -> Directory:
    directory = Directory()
    rng = seeded(config.seed, "security-profiles")
    directory.security_profiles = {new_id(rng): "Agent", new_id(rng): "CallCenterManager"}
    for index in range(config.instances):
        _build_instance(config, index, directory)
    return directory


@dataclass(frozen=True, slots=True)
class InstanceNotActive:
    """An instance ListInstances shows while it is being created, or after its creation failed."""

    id: str
    arn: str
    alias: str
    created_ms: int
    status: str  # CREATION_IN_PROGRESS or CREATION_FAILED
    listed_until_ms: int | None  # a failed instance is listed for 24 h after CreateInstance


@cache
def instances_not_active(config: WorldConfig) -> tuple[InstanceNotActive, ...]:
    found = []
    for index, status in enumerate(config.instances_not_active):
        rng = seeded(config.seed, "instance-not-active", index)
        instance_id = new_id(rng)
        failed = status == "CREATION_FAILED"
        found.append(InstanceNotActive(
            instance_id, instance_arn(config.region, config.account_id, instance_id),
            f"sim-{'failed' if failed else 'creating'}-{index + 1}", config.start_ms, status,
            config.start_ms + DAY_MS if failed else None,
        ))
    return tuple(found)


def _build_instance(config: WorldConfig, index: int, directory: Directory) -> None:
    rng = seeded(config.seed, "instance", index)
    tz = config.time_zone_of(index)
    site = names.SITE_NAMES.get(tz, tz.split("/")[-1])
    created = config.start_ms - 400 * DAY_MS
    instance_id = new_id(rng)
    arn = instance_arn(config.region, config.account_id, instance_id)
    directory.instances.append(
        Instance(instance_id, arn, f"sim-{site.lower()}-{index + 1}", created, config.region,
                 config.account_id, tz)
    )

    for order, (status_name, status_type) in enumerate(names.AGENT_STATUSES, start=1):
        status_id = new_id(rng)
        directory.agent_statuses.append(AgentStatus(
            instance_id, status_id, child_arn(arn, "agent-state", status_id), status_name,
            status_type, order, created,
        ))

    standard = _standard_queues(config, rng, instance_id, arn, created)
    directory.queues.extend(standard)
    profiles = _routing_profiles(rng, instance_id, arn, standard, created)
    directory.routing_profiles.extend(profiles)
    teams = _hierarchy(rng, directory, instance_id, arn, site, config.agents_per_instance, created)

    security = list(directory.security_profiles)
    for number in range(config.agents_per_instance + SUPERVISORS_PER_INSTANCE):
        is_agent = number < config.agents_per_instance
        user = _user(config, rng, instance_id, arn, number, is_agent, profiles, teams, security)
        directory.users.append(user)
        if is_agent:
            queue_id = new_id(rng)
            directory.queues.append(Queue(
                instance_id, queue_id, child_arn(arn, "queue", f"agent/{queue_id}"), "", "AGENT",
                f"Agent queue of {user.username}", (), user.id, user.created_ms,
            ))


def _standard_queues(config, rng, instance_id, arn, created) -> list[Queue]:
    queues = []
    for number in range(config.standard_queues_per_instance):
        base_name, channels = names.STANDARD_QUEUES[number % len(names.STANDARD_QUEUES)]
        cycle = number // len(names.STANDARD_QUEUES)
        name = base_name if cycle == 0 else f"{base_name} {cycle + 1}"
        queue_id = new_id(rng)
        queues.append(Queue(
            instance_id, queue_id, child_arn(arn, "queue", queue_id), name, "STANDARD",
            f"{name} enquiries", channels, None, created,
        ))
    return queues


def _routing_profiles(rng, instance_id, arn, standard, created) -> list[RoutingProfile]:
    def pairs(channels_wanted):
        return [(q, c) for q in standard for c in q.channels if c in channels_wanted]

    layouts = (
        ("Generalist", (("VOICE", 1), ("CHAT", 2), ("TASK", 1)), pairs({"VOICE", "CHAT", "TASK"})),
        ("Voice Specialist", (("VOICE", 1),), pairs({"VOICE"})),
        ("Digital", (("CHAT", 3), ("TASK", 2)), pairs({"CHAT", "TASK"})),
    )
    profiles = []
    for name, concurrency, queue_pairs in layouts:
        if not queue_pairs:
            continue
        profile_id = new_id(rng)
        entries = tuple(
            RoutingProfileQueue(q.id, channel, priority=1 + (i % 3), delay_s=0)
            for i, (q, channel) in enumerate(queue_pairs)
        )
        outbound = next((q.id for q, c in queue_pairs if c == "VOICE"), queue_pairs[0][0].id)
        profiles.append(RoutingProfile(
            instance_id, profile_id, child_arn(arn, "routing-profile", profile_id), name,
            f"{name} agents", concurrency, entries, outbound, created,
        ))
    return profiles


def _hierarchy(rng, directory, instance_id, arn, site, agents, created) -> list[HierarchyGroup]:
    directory.hierarchy_levels[instance_id] = {"1": "Site", "2": "Team"}
    site_id = new_id(rng)
    site_group = HierarchyGroup(instance_id, site_id, child_arn(arn, "agent-group", site_id),
                                site, "1", None, created)
    directory.hierarchy_groups.append(site_group)
    teams = []
    for number in range(max(1, -(-agents // AGENTS_PER_TEAM))):
        team_id = new_id(rng)
        teams.append(HierarchyGroup(instance_id, team_id, child_arn(arn, "agent-group", team_id),
                                    f"{site} Team {number + 1}", "2", site_id, created))
    directory.hierarchy_groups.extend(teams)
    return teams


def _user(config, rng: random.Random, instance_id, arn, number, is_agent, profiles, teams,
          security) -> User:
    first = names.FIRST_NAMES[rng.randrange(len(names.FIRST_NAMES))]
    last = names.LAST_NAMES[rng.randrange(len(names.LAST_NAMES))]
    username = f"{first[0]}{last}{number + 1:03d}".lower()
    user_id = new_id(rng)
    created = config.start_ms - rng.randrange(30, 700) * DAY_MS
    first_version = UserVersion(
        effective_ms=created,
        first_name=first,
        last_name=last,
        email=f"{username}@example.com",
        routing_profile_id=profiles[number % len(profiles)].id,
        hierarchy_group_id=teams[(number // AGENTS_PER_TEAM) % len(teams)].id,
        security_profile_ids=(security[0] if is_agent else security[1],),
        phone_type="SOFT_PHONE" if rng.random() < 0.9 else "DESK_PHONE",
        after_contact_work_limit_s=0,
    )
    user = User(instance_id, user_id, child_arn(arn, "agent", user_id), username, created,
                [first_version], None, is_agent)
    _plan_changes(config, user, profiles, teams)
    return user


def _plan_changes(config: WorldConfig, user: User, profiles, teams) -> None:
    """Some users change team or routing profile, and some are deleted, over time."""
    rng = seeded(config.seed, "user-changes", user.id)
    weeks = CHANGE_HORIZON_MS / WEEK_MS
    t = config.start_ms
    while config.user_change_rate > 0:
        t += int(rng.expovariate(config.user_change_rate / WEEK_MS))
        if t >= config.start_ms + CHANGE_HORIZON_MS:
            break
        previous = user.versions[-1]
        if rng.random() < 0.5:
            change = {"routing_profile_id": profiles[rng.randrange(len(profiles))].id}
        else:
            change = {"hierarchy_group_id": teams[rng.randrange(len(teams))].id}
        user.versions.append(_with(previous, effective_ms=t, **change))
    if user.is_agent and rng.random() < config.user_delete_rate * weeks:
        user.deleted_ms = config.start_ms + rng.randrange(DAY_MS, CHANGE_HORIZON_MS)
        user.versions = [v for v in user.versions if v.effective_ms < user.deleted_ms]


def _with(version: UserVersion, **changes) -> UserVersion:
    fields = {name: getattr(version, name) for name in UserVersion.__slots__}
    fields.update(changes)
    return UserVersion(**fields)
