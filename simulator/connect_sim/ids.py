"""Deterministic identifiers and ARNs."""

from __future__ import annotations

import random
import uuid


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seeded(*parts: object) -> random.Random:
    """A random stream of its own for one purpose, so streams never disturb each other."""
    return random.Random(":".join(str(p) for p in parts))


def instance_arn(region: str, account_id: str, instance_id: str) -> str:
    return f"arn:aws:connect:{region}:{account_id}:instance/{instance_id}"


def kinesis_stream_arn(region: str, account_id: str, stream_name: str) -> str:
    return f"arn:aws:kinesis:{region}:{account_id}:stream/{stream_name}"


def child_arn(instance_arn_: str, kind: str, resource_id: str) -> str:
    """kind: queue, routing-profile, agent, agent-state, agent-group, security-profile."""
    return f"{instance_arn_}/{kind}/{resource_id}"
