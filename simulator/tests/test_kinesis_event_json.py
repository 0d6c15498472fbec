"""Agent events → the JSON documents of Connect's agent event stream."""

from __future__ import annotations

import json
import re
import time

import pytest

from connect_sim.config import WorldConfig
from connect_sim.kinesis.event_json import EVENT_SHAPES, VERSION, AgentEventEncoder
from connect_sim.kinesis.timestamps import format_iso_ms, parse_iso_ms
from connect_sim.replay import contact_view
from connect_sim.world import World

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
T0 = 1_793_606_400_000  # 2026-11-02T08:00:00Z
MIN = 60_000

# -- the data model, as a schema: key → type, "ts" (ISO timestamp), nested dict, [item] ----
# "documented": AWS's agent event streams data model; "full" adds AgentStatus.Type and
# spells the NextAgentStatus time EnqueuedTimestamp (as one AWS sample does).
NAMED = {"ARN": str, "Name": str}
QUEUE_WITH_CHANNELS = {"ARN": str, "Channels": [str], "Name": (str, None)}
AGENT_STATUS = {
    "documented": {"ARN": str, "Name": str, "StartTimestamp": "ts"},
    "full": {"ARN": str, "Name": str, "StartTimestamp": "ts", "Type": str},
}
NEXT_AGENT_STATUS = {
    "documented": {"ARN": str, "EnqueueTimestamp": "ts", "Name": str},
    "full": {"ARN": str, "EnqueuedTimestamp": "ts", "Name": str},
}
SNAPSHOT_PARTS = {
    "Configuration": {
        "AgentHierarchyGroups": ({f"Level{n}": (NAMED, None) for n in range(1, 6)}, None),
        "FirstName": str,
        "LastName": str,
        "Proficiencies": [dict],
        "RoutingProfile": {
            "ARN": str,
            "Concurrency": [{"AvailableSlots": int, "Channel": str, "MaximumSlots": int}],
            "DefaultOutboundQueue": QUEUE_WITH_CHANNELS,
            "InboundQueues": [QUEUE_WITH_CHANNELS],
            "Name": str,
        },
        "Username": str,
    },
    "Contacts": [{
        "Channel": str,
        "ConnectedToAgentTimestamp": ("ts", None),
        "ContactId": str,
        "InitialContactId": (str, None),
        "InitiationMethod": str,
        "Queue": {"ARN": str, "Name": (str, None)},
        "QueueTimestamp": ("ts", None),  # null for OUTBOUND contacts
        "State": str,
        "StateStartTimestamp": "ts",
    }],
}


def event_schema(shape: str) -> dict:
    snapshot = {"AgentStatus": AGENT_STATUS[shape], "NextAgentStatus?": NEXT_AGENT_STATUS[shape],
                **SNAPSHOT_PARTS}
    return {
        "AWSAccountId": str,
        "AgentARN": str,
        "CurrentAgentSnapshot": (snapshot, None),
        "EventId": str,
        "EventTimestamp": "ts",
        "EventType": str,
        "InstanceARN": str,
        "PreviousAgentSnapshot": (snapshot, None),
        "Version": str,
    }


def conforms(value, spec, path="$") -> list[str]:
    """Where `value` breaks `spec` (empty when it conforms)."""
    if isinstance(spec, tuple):  # alternatives
        problems = [conforms(value, alternative, path) for alternative in spec]
        return [] if any(not p for p in problems) else problems[0]
    if spec is None:
        return [] if value is None else [f"{path}: {value!r} is not null"]
    if spec == "ts":
        ok = isinstance(value, str) and ISO_MS.match(value)
        return [] if ok else [f"{path}: {value!r} is not yyyy-mm-ddThh:mm:ss.sssZ"]
    if isinstance(spec, list):
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [p for i, item in enumerate(value) for p in conforms(item, spec[0], f"{path}[{i}]")]
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        required = {k for k in spec if not k.endswith("?")}
        allowed = {k.rstrip("?") for k in spec}
        problems = [f"{path}: missing {k}" for k in sorted(required - value.keys())]
        problems += [f"{path}: unexpected {k}" for k in sorted(value.keys() - allowed)]
        for key, sub in spec.items():
            if key.rstrip("?") in value:
                problems += conforms(value[key.rstrip("?")], sub, f"{path}.{key.rstrip('?')}")
        return problems
    ok = isinstance(value, spec) and not (spec is int and isinstance(value, bool))
    return [] if ok else [f"{path}: {value!r} is not {spec.__name__}"]


@pytest.fixture(scope="module")
def simulated_day():
    world = World(WorldConfig(seed=7, agents_per_instance=12))
    events = []
    world.add_event_sink(events.append)
    world.clock.advance(86_400)
    world.sync()
    return world, events


@pytest.fixture
def a_working_day(scripted_agent):
    """agent-1 logs in, takes a call with hold, asks for lunch meanwhile, wraps up, takes
    two chats at once after its profile changed to Digital, one a transfer."""
    a = scripted_agent("agent-1")
    (a.login(T0).status(T0 + MIN, "available")
     .offer(T0 + 2 * MIN, "call-1").connect(T0 + 3 * MIN, "call-1")
     .hold(T0 + 4 * MIN, "call-1").resume(T0 + 5 * MIN, "call-1")
     .status(T0 + 6 * MIN, "lunch").end(T0 + 7 * MIN, "call-1").clear(T0 + 8 * MIN, "call-1")
     .heartbeat(T0 + 10 * MIN))
    after_change = T0 + 5 * 3_600_000  # past the switch to the Digital profile
    (a.status(after_change, "available")
     .offer(after_change + MIN, "chat-1", "CHAT", "q-chat").connect(after_change + 2 * MIN, "chat-1")
     .offer(after_change + 3 * MIN, "chat-2", "CHAT", "q-chat", initial_contact_id="chat-0")
     .connect(after_change + 4 * MIN, "chat-2"))
    return a


def documents(encoder: AgentEventEncoder, events) -> list[dict]:
    return [json.loads(encoder.encode(e)) for e in events]


# -- timestamps -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("t_ms", "text"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (T0, "2026-11-02T08:00:00.000Z"),
        (T0 + 999, "2026-11-02T08:00:00.999Z"),
        (T0 + 59_001, "2026-11-02T08:00:59.001Z"),
        (1_830_297_599_999, "2027-12-31T23:59:59.999Z"),
    ],
)
def test_timestamps_are_iso_8601_with_milliseconds_and_z(t_ms, text):
    assert format_iso_ms(t_ms) == text
    assert parse_iso_ms(text) == t_ms


def test_parsing_accepts_offsets_and_rejects_naive_times():
    assert parse_iso_ms("2026-11-02T09:00:00.250+01:00") == T0 + 250
    with pytest.raises(ValueError):
        parse_iso_ms("2026-11-02T08:00:00.000")


# -- every field, every type ----------------------------------------------------------------
@pytest.mark.parametrize(("shape", "type_problem"), [
    ("documented", "$.CurrentAgentSnapshot.AgentStatus: unexpected Type"),
    ("full", "$.CurrentAgentSnapshot.AgentStatus.Type: 1 is not str"),
])
def test_the_schema_check_catches_a_broken_document(scripted_directory, a_working_day, shape, type_problem):
    doc = documents(AgentEventEncoder(scripted_directory, shape), a_working_day.events)[3]
    assert conforms(doc, event_schema(shape)) == []
    snapshot = doc["CurrentAgentSnapshot"]
    del snapshot["Configuration"]["Username"]
    snapshot["Contacts"][0]["QueueTimestamp"] = "2026-11-02T08:00:00Z"
    snapshot["AgentStatus"]["Type"] = 1
    snapshot["Surprise"] = True
    assert conforms(doc, event_schema(shape)) == [
        "$.CurrentAgentSnapshot: unexpected Surprise",
        type_problem,
        "$.CurrentAgentSnapshot.Configuration: missing Username",
        "$.CurrentAgentSnapshot.Contacts[0].QueueTimestamp: '2026-11-02T08:00:00Z' is not "
        "yyyy-mm-ddThh:mm:ss.sssZ",
    ]


@pytest.mark.parametrize("shape", EVENT_SHAPES)
def test_every_event_of_a_simulated_day_has_every_field_with_its_type(simulated_day, shape):
    world, events = simulated_day
    docs = documents(AgentEventEncoder(world.directory, shape), events)
    assert {d["EventType"] for d in docs} == {"LOGIN", "LOGOUT", "STATE_CHANGE", "HEART_BEAT"}
    for doc in docs:
        assert conforms(doc, event_schema(shape)) == [], doc["EventId"]
        assert doc["Version"] == VERSION == "2019-05-25"
    # the optional parts show up somewhere in a day, so their schema was checked too
    snapshots = [d["CurrentAgentSnapshot"] for d in docs if d["CurrentAgentSnapshot"]]
    assert any("NextAgentStatus" in s for s in snapshots)
    assert any(len(s["Contacts"]) > 1 for s in snapshots)
    assert any(c["QueueTimestamp"] is None for s in snapshots for c in s["Contacts"])


def test_an_unknown_shape_is_refused(scripted_directory):
    with pytest.raises(ValueError, match="documented, full"):
        AgentEventEncoder(scripted_directory, "pretty")


def _agent_statuses(docs) -> list[tuple[dict, dict]]:
    """(document, AgentStatus or NextAgentStatus) of every snapshot of every document."""
    return [(doc, snapshot[key]) for doc in docs
            for snapshot in (doc["CurrentAgentSnapshot"], doc["PreviousAgentSnapshot"]) if snapshot
            for key in ("AgentStatus", "NextAgentStatus") if key in snapshot]


def test_the_documented_shape_writes_only_the_data_models_fields(simulated_day):
    """AWS's data model: AgentStatus {ARN, Name, StartTimestamp} (the type comes from
    ListAgentStatuses) and NextAgentStatus {ARN, Name, EnqueueTimestamp}, the moment the
    agent asked for the status."""
    world, events = simulated_day
    docs = documents(AgentEventEncoder(world.directory), events)  # the default shape
    statuses = _agent_statuses(docs)
    assert all("Type" not in status for _, status in statuses)
    waiting = [(doc, status) for doc, status in statuses if "EnqueueTimestamp" in status]
    assert waiting
    asked = {e.current.next_status_ms for e in events if e.current.next_status_id}
    for doc, status in waiting:
        assert set(status) == {"ARN", "EnqueueTimestamp", "Name"}
        assert parse_iso_ms(status["EnqueueTimestamp"]) in asked
        assert parse_iso_ms(status["EnqueueTimestamp"]) <= parse_iso_ms(doc["EventTimestamp"])


def test_the_full_shape_keeps_type_and_the_enqueued_spelling(simulated_day):
    world, events = simulated_day
    docs = documents(AgentEventEncoder(world.directory, "full"), events)
    statuses = _agent_statuses(docs)
    types = {s.arn: s.status_type for s in world.directory.agent_statuses}
    assert all(status["Type"] == types[status["ARN"]] for _, status in statuses if "StartTimestamp" in status)
    waiting = [status for _, status in statuses if "StartTimestamp" not in status]
    assert waiting and all(set(s) == {"ARN", "EnqueuedTimestamp", "Name"} for s in waiting)
    assert all(s["EnqueuedTimestamp"] is not None for s in waiting)


def test_outbound_calls_have_no_queue_timestamp(simulated_day):
    world, events = simulated_day
    docs = documents(AgentEventEncoder(world.directory), events)
    outbound = [(snapshot, c) for d in docs if (snapshot := d["CurrentAgentSnapshot"])
                for c in snapshot["Contacts"] if c["InitiationMethod"] == "OUTBOUND"]
    assert outbound
    for snapshot, contact in outbound:
        assert contact["QueueTimestamp"] is None and contact["Channel"] == "VOICE"
        profile = snapshot["Configuration"]["RoutingProfile"]
        assert contact["Queue"]["ARN"] == profile["DefaultOutboundQueue"]["ARN"]
        assert contact["State"] in {"CONNECTING", "CONNECTED", "CONNECTED_ONHOLD", "ENDED"}
        assert (contact["ConnectedToAgentTimestamp"] is None) == (contact["State"] == "CONNECTING")
    assert {c["State"] for _, c in outbound} >= {"CONNECTING", "CONNECTED", "ENDED"}


def test_documents_round_trip_to_the_events(simulated_day):
    world, events = simulated_day
    encoder = AgentEventEncoder(world.directory)
    users = {u.id: u for u in world.directory.users}
    instance = world.directory.instances[0]
    for event, doc in zip(events, documents(encoder, events), strict=True):
        user = users[event.user_id]
        assert (doc["EventId"], doc["EventType"]) == (event.event_id, event.event_type)
        assert parse_iso_ms(doc["EventTimestamp"]) == event.timestamp_ms
        assert (doc["AgentARN"], doc["InstanceARN"]) == (user.arn, instance.arn)
        assert doc["AWSAccountId"] == instance.account_id == "123456789012"
        for snapshot, text in ((event.current, doc["CurrentAgentSnapshot"]),
                               (event.previous, doc["PreviousAgentSnapshot"])):
            if snapshot is None:
                assert text is None
                continue
            status = text["AgentStatus"]
            assert status["ARN"].endswith("/agent-state/" + snapshot.status_id)
            assert parse_iso_ms(status["StartTimestamp"]) == snapshot.status_start_ms
            assert ("NextAgentStatus" in text) == (snapshot.next_status_id is not None)
            assert [contact_view(c) for c in text["Contacts"]] == list(snapshot.contacts)
            version = user.version_at(snapshot.user_version_ms)
            assert text["Configuration"]["RoutingProfile"]["ARN"].endswith(version.routing_profile_id)
            assert text["Configuration"]["Username"] == user.username


def test_previous_snapshot_is_absent_on_login_and_logout_only(simulated_day):
    """AWS's data model: PreviousAgentSnapshot does not apply to LOGIN or LOGOUT; its
    sample HEART_BEAT carries one (equal to the current snapshot: nothing changed)."""
    world, events = simulated_day
    docs = documents(AgentEventEncoder(world.directory), events)
    by_type = {kind: [d for d in docs if d["EventType"] == kind]
               for kind in ("LOGIN", "LOGOUT", "HEART_BEAT", "STATE_CHANGE")}
    assert all(by_type.values())
    for kind in ("LOGIN", "LOGOUT"):
        assert all(d["PreviousAgentSnapshot"] is None and d["CurrentAgentSnapshot"] for d in by_type[kind])
    assert all(d["PreviousAgentSnapshot"] == d["CurrentAgentSnapshot"] for d in by_type["HEART_BEAT"])
    assert all(d["PreviousAgentSnapshot"] for d in by_type["STATE_CHANGE"])
    assert all(d["CurrentAgentSnapshot"]["AgentStatus"]["Name"] == "Offline" for d in by_type["LOGOUT"])


# -- values from the directory ----------------------------------------------------------------
def test_configuration_comes_from_the_directory(scripted_directory, a_working_day):
    doc = documents(AgentEventEncoder(scripted_directory), a_working_day.events)[1]
    config = doc["CurrentAgentSnapshot"]["Configuration"]
    base = "arn:aws:connect:us-west-2:111122223333:instance/11111111-1111-4111-8111-111111111111"
    assert doc["AgentARN"] == f"{base}/agent/agent-1"
    assert (config["FirstName"], config["LastName"], config["Username"]) == ("Ada", "O'Brien-1", "ada1")
    assert config["AgentHierarchyGroups"] == {
        "Level1": {"ARN": f"{base}/agent-group/g-site", "Name": "Leeds"},
        "Level2": {"ARN": f"{base}/agent-group/g-team-1", "Name": "Leeds Team 1"},
        "Level3": None, "Level4": None, "Level5": None,
    }
    profile = config["RoutingProfile"]
    assert (profile["ARN"], profile["Name"]) == (f"{base}/routing-profile/rp-general", "Generalist")
    assert profile["DefaultOutboundQueue"] == {
        "ARN": f"{base}/queue/q-support", "Channels": ["VOICE"], "Name": "Support"}
    assert profile["InboundQueues"] == [
        {"ARN": f"{base}/queue/q-own-1", "Channels": ["VOICE", "CHAT"], "Name": None},
        {"ARN": f"{base}/queue/q-sales", "Channels": ["VOICE", "CHAT"], "Name": "Sales"},
        {"ARN": f"{base}/queue/q-support", "Channels": ["VOICE"], "Name": "Support"},
    ]
    assert doc["CurrentAgentSnapshot"]["AgentStatus"] == {
        "ARN": f"{base}/agent-state/available", "Name": "Available",
        "StartTimestamp": "2026-11-02T08:01:00.000Z"}
    full = documents(AgentEventEncoder(scripted_directory, "full"), a_working_day.events)[1]
    assert full["CurrentAgentSnapshot"]["AgentStatus"]["Type"] == "ROUTABLE"


def test_configuration_follows_the_user_version_of_each_snapshot(scripted_directory, scripted_agent):
    # The event right after the change still carries the old configuration in its previous
    # snapshot: the engine names the version each snapshot reflects.
    a = scripted_agent("agent-1").login(T0)
    a.status(T0 + 5 * 3_600_000, "break")
    docs = documents(AgentEventEncoder(scripted_directory), a.events)
    before = docs[0]["CurrentAgentSnapshot"]["Configuration"]
    after = docs[1]["CurrentAgentSnapshot"]["Configuration"]
    assert before["RoutingProfile"]["Name"] == "Generalist"
    assert after["RoutingProfile"]["Name"] == "Digital"
    assert after["AgentHierarchyGroups"]["Level2"]["Name"] == "Leeds Team 2"
    assert after["RoutingProfile"]["Concurrency"] == [
        {"AvailableSlots": 3, "Channel": "CHAT", "MaximumSlots": 3}]


def test_concurrency_counts_contacts_and_blocks_other_channels(scripted_directory, a_working_day):
    docs = documents(AgentEventEncoder(scripted_directory), a_working_day.events)

    def slots(doc):
        profile = doc["CurrentAgentSnapshot"]["Configuration"]["RoutingProfile"]
        return {c["Channel"]: (c["AvailableSlots"], c["MaximumSlots"]) for c in profile["Concurrency"]}

    assert slots(docs[1]) == {"CHAT": (3, 3), "VOICE": (1, 1)}  # available, no contact
    assert slots(docs[3]) == {"CHAT": (0, 3), "VOICE": (0, 1)}  # on a call: no chats either
    assert slots(docs[7]) == {"CHAT": (0, 3), "VOICE": (0, 1)}  # after-contact work holds it
    two_chats = [d for d in docs if len(d["CurrentAgentSnapshot"]["Contacts"]) == 2]
    assert two_chats and all(slots(d) == {"CHAT": (1, 3)} for d in two_chats)


def test_next_status_and_transfers(scripted_directory, a_working_day):
    docs = documents(AgentEventEncoder(scripted_directory), a_working_day.events)
    waiting = [d["CurrentAgentSnapshot"].get("NextAgentStatus") for d in docs]
    # lunch chosen at 08:06 waits through the wrap-up and applies when the call leaves
    assert [w["Name"] if w else None for w in waiting[5:9]] == [None, "Lunch", "Lunch", None]
    assert waiting[6]["EnqueueTimestamp"] == "2026-11-02T08:06:00.000Z"
    assert docs[8]["CurrentAgentSnapshot"]["AgentStatus"]["Name"] == "Lunch"
    chats = {c["ContactId"]: c for c in docs[-1]["CurrentAgentSnapshot"]["Contacts"]}
    assert chats["chat-1"]["InitialContactId"] is None
    transfer = chats["chat-2"]
    assert (transfer["InitialContactId"], transfer["InitiationMethod"]) == ("chat-0", "TRANSFER")
    assert chats["chat-2"]["Queue"]["Name"] == "Web Chat"


# -- determinism and speed --------------------------------------------------------------------
@pytest.mark.parametrize("shape", EVENT_SHAPES)
def test_the_same_event_always_gives_the_same_bytes(simulated_day, shape):
    world, events = simulated_day
    in_order = [AgentEventEncoder(world.directory, shape).encode(e) for e in events]
    fresh = AgentEventEncoder(world.directory, shape)
    backwards = [fresh.encode(e) for e in reversed(events)][::-1]  # caches filled otherwise
    assert in_order == backwards
    again = World(WorldConfig(seed=7, agents_per_instance=12))
    encoder = AgentEventEncoder(again.directory, shape)
    replayed = []
    again.add_event_sink(lambda e: replayed.append(encoder.encode(e)))
    again.clock.advance(86_400)
    again.sync()
    assert replayed == in_order


def test_encoding_throughput(simulated_day):
    world, events = simulated_day
    best = 0.0
    for _ in range(3):
        encoder = AgentEventEncoder(world.directory)
        started = time.perf_counter()
        total = sum(len(encoder.encode(e)) for e in events)
        best = max(best, len(events) / (time.perf_counter() - started))
    print(f"\nevent_json: {best:,.0f} events/s ({total / len(events):,.0f} bytes/event avg)")
    assert best > 10_000


def test_the_simulated_centre_fixture_encodes_in_the_shape_asked_for(simulated_centre):
    default = simulated_centre(serve=False, agents_per_instance=4)
    full = simulated_centre(serve=False, agents_per_instance=4, event_shape="full")
    assert (default.event_shape, default.event_encoder().shape) == ("documented", "documented")
    assert (full.event_shape, full.event_encoder().shape) == ("full", "full")
