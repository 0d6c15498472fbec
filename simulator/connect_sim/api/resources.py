"""Finding an instance's resources as of a moment, by id or by ARN."""

from __future__ import annotations

import re

from ..model import Directory, Instance, Queue, User
from .context import Call
from .errors import invalid_parameter, not_found

_INSTANCE_ARN = re.compile(r"^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance/([^/]+)$")


def _instance_id(reference: str) -> str | None:
    if not reference.startswith("arn:"):
        return reference
    found = _INSTANCE_ARN.match(reference)
    return found.group(1) if found else None


def find_instance(directory: Directory, reference: str) -> Instance:
    """An instance by id or ARN (Connect accepts both wherever it takes an InstanceId)."""
    instance_id = _instance_id(reference)
    instance = directory.instance(instance_id) if instance_id else None
    if instance is None or (reference.startswith("arn:") and reference != instance.arn):
        raise not_found(f"Instance {reference} was not found")
    return instance


def instance_of(call: Call) -> Instance:
    return find_instance(call.directory, call.params["InstanceId"])


def instance_of_resource_arn(call: Call) -> Instance:
    """The instance a GetMetricDataV2 ResourceArn names."""
    arn = call.params["ResourceArn"]
    if not _INSTANCE_ARN.match(arn):
        raise invalid_parameter(f"ResourceArn {arn} is not a valid instance ARN")
    return find_instance(call.directory, arn)


def resource_id(instance: Instance, reference: str, kind: str) -> str:
    """The id a filter value names: an id as given, or the id at the end of the instance's
    `kind` ARN (queue, routing-profile, agent, agent-group)."""
    prefix = f"{instance.arn}/{kind}/"
    return reference[len(prefix):] if reference.startswith(prefix) else reference


def existing_users(directory: Directory, instance: Instance, now_ms: int) -> list[User]:
    return [user for user in directory.users_of(instance.id) if user.exists_at(now_ms)]


def find_user(directory: Directory, instance: Instance, user_id: str, now_ms: int) -> User:
    for user in existing_users(directory, instance, now_ms):
        if user.id == user_id:
            return user
    raise not_found(f"User {user_id} was not found in instance {instance.id}")


def visible_queues(directory: Directory, instance: Instance, now_ms: int) -> list[Queue]:
    """Standard queues, and the agent queue of every user existing now."""
    owners = {user.id for user in existing_users(directory, instance, now_ms)}
    return [
        queue for queue in directory.queues_of(instance.id)
        if queue.queue_type == "STANDARD" or queue.owner_user_id in owners
    ]
