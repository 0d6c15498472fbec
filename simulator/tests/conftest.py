"""Shared fixtures. Each block belongs to one area; add yours as a new block."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest

# ---------------------------------------------------------------------------------------
# Kinesis and replay: a local moto Kinesis, a hand-made directory, and hand-scripted agents
# ---------------------------------------------------------------------------------------
from connect_sim.kinesis.moto_server import MotoServer, create_stream
from connect_sim.model import (
    AgentEvent,
    AgentSnapshot,
    AgentStatus,
    ContactView,
    Directory,
    HierarchyGroup,
    Instance,
    Queue,
    RoutingProfile,
    RoutingProfileQueue,
    User,
    UserVersion,
)

SCRIPT_INSTANCE_ID = "11111111-1111-4111-8111-111111111111"
SCRIPT_INSTANCE_ARN = f"arn:aws:connect:us-west-2:111122223333:instance/{SCRIPT_INSTANCE_ID}"
SCRIPT_T0 = 1_793_606_400_000  # 2026-11-02T08:00:00Z
SCRIPT_PROFILE_CHANGE_MS = SCRIPT_T0 + 4 * 3_600_000  # agent-1 moves to the Digital profile


def _arn(kind: str, resource_id: str) -> str:
    return f"{SCRIPT_INSTANCE_ARN}/{kind}/{resource_id}"


def _scripted_directory() -> Directory:
    d = Directory()
    d.instances.append(Instance(SCRIPT_INSTANCE_ID, SCRIPT_INSTANCE_ARN, "scripted", 0,
                                "us-west-2", "111122223333", "Europe/London"))
    for order, (status_id, name, kind) in enumerate(
        [("available", "Available", "ROUTABLE"), ("break", "Break", "CUSTOM"),
         ("lunch", "Lunch", "CUSTOM"), ("offline", "Offline", "OFFLINE")], start=1):
        d.agent_statuses.append(AgentStatus(SCRIPT_INSTANCE_ID, status_id,
                                            _arn("agent-state", status_id), name, kind, order))
    for queue_id, name, channels in [("q-sales", "Sales", ("VOICE", "CHAT")),
                                     ("q-support", "Support", ("VOICE",)),
                                     ("q-chat", "Web Chat", ("CHAT",))]:
        d.queues.append(Queue(SCRIPT_INSTANCE_ID, queue_id, _arn("queue", queue_id), name,
                              "STANDARD", f"{name} enquiries", channels))
    d.routing_profiles += [
        RoutingProfile(SCRIPT_INSTANCE_ID, "rp-general", _arn("routing-profile", "rp-general"),
                       "Generalist", "", (("VOICE", 1), ("CHAT", 3)),
                       (RoutingProfileQueue("q-sales", "VOICE", 1, 0),
                        RoutingProfileQueue("q-sales", "CHAT", 1, 0),
                        RoutingProfileQueue("q-support", "VOICE", 2, 0)), "q-support"),
        RoutingProfile(SCRIPT_INSTANCE_ID, "rp-digital", _arn("routing-profile", "rp-digital"),
                       "Digital", "", (("CHAT", 3),),
                       (RoutingProfileQueue("q-chat", "CHAT", 1, 0),), "q-sales"),
    ]
    d.hierarchy_groups += [
        HierarchyGroup(SCRIPT_INSTANCE_ID, "g-site", _arn("agent-group", "g-site"), "Leeds", "1", None),
        HierarchyGroup(SCRIPT_INSTANCE_ID, "g-team-1", _arn("agent-group", "g-team-1"),
                       "Leeds Team 1", "2", "g-site"),
        HierarchyGroup(SCRIPT_INSTANCE_ID, "g-team-2", _arn("agent-group", "g-team-2"),
                       "Leeds Team 2", "2", "g-site"),
    ]
    d.hierarchy_levels[SCRIPT_INSTANCE_ID] = {"1": "Site", "2": "Team"}
    for number in (1, 2):
        user_id = f"agent-{number}"
        first = UserVersion(SCRIPT_T0 - 86_400_000, "Ada", f"O'Brien-{number}",
                            f"{user_id}@example.com", "rp-general", "g-team-1", ("sp-agent",),
                            "SOFT_PHONE", 0)
        versions = [first]
        if number == 1:
            versions.append(UserVersion(SCRIPT_PROFILE_CHANGE_MS, "Ada", "O'Brien-1",
                                        first.email, "rp-digital", "g-team-2", ("sp-agent",),
                                        "SOFT_PHONE", 0))
        d.users.append(User(SCRIPT_INSTANCE_ID, user_id, _arn("agent", user_id), f"ada{number}",
                            first.effective_ms, versions))
        d.queues.append(Queue(SCRIPT_INSTANCE_ID, f"q-own-{number}", _arn("queue", f"q-own-{number}"),
                              "", "AGENT", "", (), user_id))
    return d


class ScriptedAgent:
    """Hand-written agent event sequences for tests: each call is one thing happening to
    the agent and emits the event Connect would send. No routing, no randomness.

    `lag_ms` delays every EventTimestamp behind the moment of the change it reports, as a
    real stream does; snapshot timestamps keep the moment itself.
    """

    def __init__(self, user_id: str, lag_ms: int = 0) -> None:
        self.user_id = user_id
        self.lag_ms = lag_ms
        self.events: list[AgentEvent] = []
        self._ids = itertools.count(1)
        self._status, self._status_ms = "offline", SCRIPT_T0 - 86_400_000
        self._next_status: str | None = None
        self._next_status_ms: int | None = None
        self._contacts: dict[str, ContactView] = {}
        self._last: AgentSnapshot | None = None

    # -- the agent ------------------------------------------------------------------------
    def login(self, at: int) -> ScriptedAgent:
        return self._emit("LOGIN", at)

    def logout(self, at: int) -> ScriptedAgent:
        self._set_status("offline", at)
        return self._emit("LOGOUT", at)

    def heartbeat(self, at: int) -> ScriptedAgent:
        return self._emit("HEART_BEAT", at)

    def status(self, at: int, status_id: str) -> ScriptedAgent:
        """A status chosen while contacts are in hand waits as NextAgentStatus."""
        if self._contacts:
            self._next_status, self._next_status_ms = status_id, at
        else:
            self._set_status(status_id, at)
        return self._emit("STATE_CHANGE", at)

    # -- its contacts -----------------------------------------------------------------------
    def offer(self, at: int, contact_id: str, channel: str = "VOICE", queue_id: str = "q-sales",
              initial_contact_id: str | None = None) -> ScriptedAgent:
        self._contacts[contact_id] = ContactView(
            contact_id, initial_contact_id or contact_id, channel,
            "TRANSFER" if initial_contact_id else "INBOUND", queue_id, at - 30_000,
            "CONNECTING", at, None)
        return self._emit("STATE_CHANGE", at)

    def dial(self, at: int, contact_id: str, queue_id: str = "q-support") -> ScriptedAgent:
        """The agent places an outbound call (never queued: no QueueTimestamp)."""
        self._contacts[contact_id] = ContactView(
            contact_id, contact_id, "VOICE", "OUTBOUND", queue_id, None, "CONNECTING", at, None)
        return self._emit("STATE_CHANGE", at)

    def connect(self, at: int, contact_id: str) -> ScriptedAgent:
        return self._contact_state(at, contact_id, "CONNECTED", connected=True)

    def hold(self, at: int, contact_id: str) -> ScriptedAgent:
        return self._contact_state(at, contact_id, "CONNECTED_ONHOLD")

    def resume(self, at: int, contact_id: str) -> ScriptedAgent:
        return self._contact_state(at, contact_id, "CONNECTED")

    def miss(self, at: int, contact_id: str) -> ScriptedAgent:
        return self._contact_state(at, contact_id, "MISSED")

    def reject(self, at: int, contact_id: str) -> ScriptedAgent:
        return self._contact_state(at, contact_id, "REJECTED")

    def fail(self, at: int, contact_id: str) -> ScriptedAgent:
        return self._contact_state(at, contact_id, "ERROR")

    def end(self, at: int, contact_id: str) -> ScriptedAgent:
        """The conversation ends: after-contact work starts."""
        return self._contact_state(at, contact_id, "ENDED")

    def clear(self, at: int, contact_id: str) -> ScriptedAgent:
        """The contact leaves the agent (after-contact work done, or a missed offer cleared)."""
        del self._contacts[contact_id]
        if not self._contacts and self._next_status:
            self._set_status(self._next_status, at)
        return self._emit("STATE_CHANGE", at)

    # -- plumbing -----------------------------------------------------------------------------
    def _contact_state(self, at: int, contact_id: str, state: str, connected: bool = False) -> ScriptedAgent:
        old = self._contacts[contact_id]
        self._contacts[contact_id] = ContactView(
            old.contact_id, old.initial_contact_id, old.channel, old.initiation_method,
            old.queue_id, old.queue_ms, state, at, at if connected else old.connected_ms)
        return self._emit("STATE_CHANGE", at)

    def _set_status(self, status_id: str, at: int) -> None:
        self._next_status = self._next_status_ms = None
        if status_id != self._status:
            self._status, self._status_ms = status_id, at

    def _emit(self, event_type: str, at: int) -> ScriptedAgent:
        snapshot = AgentSnapshot(self._status, self._status_ms, tuple(self._contacts.values()),
                                 self._next_status, self._next_status_ms)
        previous = None if event_type == "HEART_BEAT" else self._last
        self.events.append(AgentEvent(f"{self.user_id}-event-{next(self._ids):04d}", event_type,
                                      at + self.lag_ms, SCRIPT_INSTANCE_ID, self.user_id,
                                      snapshot, previous))
        self._last = snapshot
        return self


@pytest.fixture
def scripted_directory() -> Directory:
    return _scripted_directory()


@pytest.fixture
def scripted_agent() -> Callable[..., ScriptedAgent]:
    """scripted_agent("agent-1", lag_ms=0) → a ScriptedAgent on `scripted_directory`."""
    return ScriptedAgent


@pytest.fixture(scope="session")
def moto_kinesis() -> Iterator[MotoServer]:
    """One local moto server per test process (moto state is per process anyway)."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def kinesis_stream(moto_kinesis: MotoServer, request: pytest.FixtureRequest) -> Callable[[int], str]:
    """kinesis_stream(shards) → the name of a new ACTIVE stream, unique to the test."""
    numbers = itertools.count(1)

    def make(shards: int = 1) -> str:
        name = re.sub(r"[^A-Za-z0-9_.-]", "-", f"{request.node.name[:80]}-{next(numbers)}")
        create_stream(moto_kinesis.endpoint_url, name, shards, region=moto_kinesis.region)
        return name

    return make


# ---------------------------------------------------------------------------------------
# Connect API: a real World served by connect_sim.api over HTTP, and a boto3 client on it
# ---------------------------------------------------------------------------------------
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

# Simulated hours after the world's start: 14:00 on day one at instance 0's site
# (America/Chicago), so agents are at work and contacts flow.
CONNECT_RIG_HOURS = 20


def _connect_client(url: str, key_id: str = "AKIASIMULATOR", session_token: str | None = None) -> Any:
    """A boto3 Connect client on `url`, without retries (a test sees every error)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "connect", endpoint_url=url, region_name="us-west-2", aws_access_key_id=key_id,
        aws_secret_access_key="secret", aws_session_token=session_token,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


@pytest.fixture
def connect_client() -> Callable[..., Any]:
    """connect_client(url, key_id=..., session_token=None) → a boto3 Connect client on url."""
    return _connect_client


@dataclass
class ConnectRig:
    world: Any  # connect_sim.world.World
    clock: Any  # connect_sim.clock.FixedClock
    server: Any  # connect_sim.api.server.ServerHandle
    # (operation, HTTP status, JSON document) of every answer the server gave, in order
    answers: list[tuple[str | None, int, dict[str, Any]]] = field(default_factory=list)

    def client(self, **credentials: str) -> Any:
        return _connect_client(self.server.url, **credentials)

    @property
    def instance(self) -> Any:
        return self.world.directory.instances[0]


class _ConnectRigs:
    """Starts served worlds and stops them all at the end."""

    def __init__(self) -> None:
        self.started: list[Any] = []

    def make(self, config: Any = None, faults: Any = None, hours: float = CONNECT_RIG_HOURS,
             wall: Callable[[], float] | None = None) -> ConnectRig:
        from connect_sim.api.server import start_server
        from connect_sim.clock import FixedClock
        from connect_sim.config import WorldConfig
        from connect_sim.world import World

        config = config or WorldConfig(seed=7, agents_per_instance=20)
        clock = FixedClock(config.start_ms + int(hours * 3_600_000))
        world = World(config, clock=clock, faults=faults)
        world.sync()  # tests also read the world directly, not only through the API
        answers: list[tuple[str | None, int, dict[str, Any]]] = []
        options = {"wall": wall} if wall else {}
        server = start_server(world, observer=lambda *answer: answers.append(answer), **options)
        self.started.append(server)
        return ConnectRig(world, clock, server, answers)

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def connect_rig() -> Iterator[Callable[..., ConnectRig]]:
    """connect_rig(config=None, faults=None, hours=CONNECT_RIG_HOURS, wall=None) → a World
    on a FixedClock `hours` after its start, served on a free port until the test ends."""
    rigs = _ConnectRigs()
    yield rigs.make
    rigs.stop_all()


@pytest.fixture(scope="module")
def shared_connect_rig() -> Iterator[ConnectRig]:
    """One default served World for a whole test module: for tests that only read (no
    clock moves, no fault changes, no user changes)."""
    rigs = _ConnectRigs()
    yield rigs.make()
    rigs.stop_all()
