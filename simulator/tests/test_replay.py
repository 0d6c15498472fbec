"""Replay of hand-written agent event sequences into state timelines."""

from __future__ import annotations

import copy
import json

import pytest

from connect_sim.kinesis.event_json import EVENT_SHAPES, AgentEventEncoder
from connect_sim.model import ContactView, StatePeriod
from connect_sim.replay import ReplayOrderError, contact_view, derive_activity, replay, status_types_of

T0 = 1_793_606_400_000  # 2026-11-02T08:00:00Z
SEC = 1000
MIN = 60 * SEC
INSTANCE = "11111111-1111-4111-8111-111111111111"
STATUSES = {"available": ("Available", "ROUTABLE"), "break": ("Break", "CUSTOM"),
            "lunch": ("Lunch", "CUSTOM"), "offline": ("Offline", "OFFLINE")}
# What ListAgentStatuses says: the documented event shape carries no AgentStatus.Type.
STATUS_TYPES = {f"arn:aws:connect:us-west-2:111122223333:instance/{INSTANCE}/agent-state/{status}": kind
                for status, (_, kind) in STATUSES.items()}


def period(user: str, start: int, end: int | None, activity: str, status: str | None = None,
           contact: tuple[str, str, str] | None = None) -> StatePeriod:
    """Expected period; `contact` = (contact id, channel, queue id); times are minutes after T0."""
    name, kind = STATUSES[status] if status else (None, None)
    contact_id, channel, queue_id = contact or (None, None, None)
    return StatePeriod(INSTANCE, user, T0 + start * MIN,
                       None if end is None else T0 + end * MIN, activity, status, name, kind,
                       contact_id, channel, queue_id)


def docs_of(directory, *agents, shape: str = "documented") -> list[dict]:
    encoder = AgentEventEncoder(directory, shape)
    events = sorted((e for a in agents for e in a.events), key=lambda e: e.timestamp_ms)
    return [json.loads(encoder.encode(e)) for e in events]


def timeline(docs, user: str = "agent-1", **options) -> list[StatePeriod]:
    return replay(docs, status_types=STATUS_TYPES, **options)[(INSTANCE, user)]


CALL = ("call-1", "VOICE", "q-sales")


@pytest.fixture
def day_with_a_call(scripted_agent):
    a = scripted_agent("agent-1").heartbeat(T0 - 10 * MIN)  # heartbeat of yesterday's session
    (a.login(T0).status(T0 + MIN, "available")
     .offer(T0 + 2 * MIN, "call-1").connect(T0 + 3 * MIN, "call-1")
     .hold(T0 + 4 * MIN, "call-1").resume(T0 + 5 * MIN, "call-1")
     .end(T0 + 7 * MIN, "call-1").clear(T0 + 8 * MIN, "call-1")
     .heartbeat(T0 + 10 * MIN).heartbeat(T0 + 12 * MIN)
     .status(T0 + 20 * MIN, "break").logout(T0 + 30 * MIN)
     .heartbeat(T0 + 32 * MIN).heartbeat(T0 + 34 * MIN))
    return a


DAY_WITH_A_CALL = [
    period("agent-1", 0, 1, "STATUS", "offline"),
    period("agent-1", 1, 2, "STATUS", "available"),
    period("agent-1", 2, 7, "ON_CONTACT", contact=CALL),  # ringing, talk and hold: one period
    period("agent-1", 7, 8, "AFTER_CONTACT_WORK", contact=CALL),
    period("agent-1", 8, 20, "STATUS", "available"),
    period("agent-1", 20, 30, "STATUS", "break"),
    period("agent-1", 30, None, "LOGGED_OUT"),
]


@pytest.mark.parametrize("shape", EVENT_SHAPES)
def test_login_call_with_hold_wrap_up_break_and_logout(scripted_directory, day_with_a_call, shape):
    assert timeline(docs_of(scripted_directory, day_with_a_call, shape=shape)) == DAY_WITH_A_CALL


def test_the_status_type_comes_from_the_document_or_the_list_of_statuses(scripted_directory,
                                                                          day_with_a_call):
    full = replay(docs_of(scripted_directory, day_with_a_call, shape="full"))[(INSTANCE, "agent-1")]
    documented = replay(docs_of(scripted_directory, day_with_a_call))[(INSTANCE, "agent-1")]
    looked_up = replay(docs_of(scripted_directory, day_with_a_call),
                       status_types=status_types_of(scripted_directory))[(INSTANCE, "agent-1")]
    assert full == looked_up == DAY_WITH_A_CALL
    assert [p.status_type for p in documented] == [None] * len(DAY_WITH_A_CALL)


def test_duplicates_change_nothing(scripted_directory, day_with_a_call):
    docs = docs_of(scripted_directory, day_with_a_call)
    doubled = [copy.deepcopy(d) for d in docs for _ in range(2)]
    redelivered = docs[:9] + docs[3:7] + docs[9:]  # a switch-over sends a run again, later
    assert timeline(doubled) == timeline(redelivered) == DAY_WITH_A_CALL


def test_heartbeats_never_open_a_period(scripted_directory, day_with_a_call):
    docs = docs_of(scripted_directory, day_with_a_call)
    for doc in docs:
        if doc["EventType"] == "HEART_BEAT":  # even one that disagrees with the last event
            doc["CurrentAgentSnapshot"]["AgentStatus"]["ARN"] = doc["CurrentAgentSnapshot"][
                "AgentStatus"]["ARN"].replace("/available", "/lunch").replace("/offline", "/lunch")
            doc["CurrentAgentSnapshot"]["AgentStatus"]["Name"] = "Lunch"
    assert timeline(docs) == DAY_WITH_A_CALL


def test_a_status_chosen_on_a_contact_starts_when_the_contact_leaves(scripted_directory, scripted_agent):
    a = scripted_agent("agent-1").login(T0).status(T0, "available")
    (a.offer(T0 + 2 * MIN, "call-1").connect(T0 + 3 * MIN, "call-1")
     .status(T0 + 4 * MIN, "lunch")  # NextAgentStatus: nothing changes yet
     .end(T0 + 5 * MIN, "call-1").clear(T0 + 6 * MIN, "call-1"))
    assert timeline(docs_of(scripted_directory, a)) == [
        period("agent-1", 0, 2, "STATUS", "available"),
        period("agent-1", 2, 5, "ON_CONTACT", contact=CALL),
        period("agent-1", 5, 6, "AFTER_CONTACT_WORK", contact=CALL),
        period("agent-1", 6, None, "STATUS", "lunch"),
    ]


def test_chat_concurrency_follows_the_primary_contact(scripted_directory, scripted_agent):
    chat_a, chat_b = ("chat-A", "CHAT", "q-sales"), ("chat-B", "CHAT", "q-sales")
    a = scripted_agent("agent-2").login(T0).status(T0, "available")
    (a.offer(T0 + MIN, "chat-A", "CHAT").connect(T0 + 2 * MIN, "chat-A")
     .offer(T0 + 3 * MIN, "chat-B", "CHAT").connect(T0 + 4 * MIN, "chat-B")  # A stays primary
     .end(T0 + 5 * MIN, "chat-A")  # on contact (B) beats after-contact work (A)
     .clear(T0 + 6 * MIN, "chat-A")
     .end(T0 + 7 * MIN, "chat-B").clear(T0 + 8 * MIN, "chat-B"))
    assert timeline(docs_of(scripted_directory, a), "agent-2") == [
        period("agent-2", 0, 1, "STATUS", "available"),
        period("agent-2", 1, 5, "ON_CONTACT", contact=chat_a),
        period("agent-2", 5, 7, "ON_CONTACT", contact=chat_b),
        period("agent-2", 7, 8, "AFTER_CONTACT_WORK", contact=chat_b),
        period("agent-2", 8, None, "STATUS", "available"),
    ]


@pytest.mark.parametrize("first", ["chat-C", "chat-D"])
def test_simultaneous_contacts_tie_on_the_contact_id(scripted_directory, scripted_agent, first):
    second = "chat-D" if first == "chat-C" else "chat-C"
    a = scripted_agent("agent-2").login(T0).status(T0, "available")
    a.offer(T0 + 10 * MIN, first, "CHAT").offer(T0 + 10 * MIN, second, "CHAT")
    assert timeline(docs_of(scripted_directory, a), "agent-2") == [
        period("agent-2", 0, 10, "STATUS", "available"),
        period("agent-2", 10, None, "ON_CONTACT", contact=("chat-C", "CHAT", "q-sales")),
    ]


def test_a_state_that_lasts_no_time_leaves_no_period(scripted_directory, scripted_agent):
    a = scripted_agent("agent-1").login(T0).status(T0 + MIN, "available")
    # offered, missed and cleared within the same millisecond
    a.offer(T0 + 10 * MIN, "call-9").miss(T0 + 10 * MIN, "call-9").clear(T0 + 10 * MIN, "call-9")
    assert timeline(docs_of(scripted_directory, a)) == [
        period("agent-1", 0, 1, "STATUS", "offline"),
        period("agent-1", 1, None, "STATUS", "available"),
    ]


@pytest.mark.parametrize(("unanswered", "activity"), [
    ("miss", "CONTACT_MISSED"), ("reject", "CONTACT_REJECTED"), ("fail", "CONTACT_ERROR")])
def test_an_unanswered_contact_is_a_period_until_the_agent_clears_it(
        scripted_directory, scripted_agent, unanswered, activity):
    a = scripted_agent("agent-1").login(T0).status(T0 + MIN, "available")
    a.offer(T0 + 10 * MIN, "call-9")
    getattr(a, unanswered)(T0 + 11 * MIN, "call-9")
    a.clear(T0 + 12 * MIN, "call-9")
    missed_call = ("call-9", "VOICE", "q-sales")
    assert timeline(docs_of(scripted_directory, a)) == [
        period("agent-1", 0, 1, "STATUS", "offline"),
        period("agent-1", 1, 10, "STATUS", "available"),
        period("agent-1", 10, 11, "ON_CONTACT", contact=missed_call),
        period("agent-1", 11, 12, activity, contact=missed_call),  # not routable, status aside
        period("agent-1", 12, None, "STATUS", "available"),
    ]


def test_a_chat_rejected_beside_a_connected_one_is_on_contact(scripted_directory, scripted_agent):
    chat_a = ("chat-A", "CHAT", "q-sales")
    a = scripted_agent("agent-2").login(T0).status(T0, "available")
    (a.offer(T0 + MIN, "chat-A", "CHAT").connect(T0 + 2 * MIN, "chat-A")
     .offer(T0 + 3 * MIN, "chat-B", "CHAT").reject(T0 + 4 * MIN, "chat-B")
     .end(T0 + 5 * MIN, "chat-A").clear(T0 + 6 * MIN, "chat-A")  # B still not cleared
     .clear(T0 + 7 * MIN, "chat-B"))
    assert timeline(docs_of(scripted_directory, a), "agent-2") == [
        period("agent-2", 0, 1, "STATUS", "available"),
        period("agent-2", 1, 5, "ON_CONTACT", contact=chat_a),
        period("agent-2", 5, 6, "AFTER_CONTACT_WORK", contact=chat_a),
        period("agent-2", 6, 7, "CONTACT_REJECTED", contact=("chat-B", "CHAT", "q-sales")),
        period("agent-2", 7, None, "STATUS", "available"),
    ]


@pytest.mark.parametrize("shape", EVENT_SHAPES)
def test_an_outbound_call_has_no_queue_timestamp_and_is_on_contact(scripted_directory, scripted_agent,
                                                                    shape):
    a = scripted_agent("agent-1").login(T0).status(T0, "available")
    a.dial(T0 + MIN, "out-1").connect(T0 + 2 * MIN, "out-1").end(T0 + 5 * MIN, "out-1")
    a.clear(T0 + 6 * MIN, "out-1")
    docs = docs_of(scripted_directory, a, shape=shape)
    dialled = docs[2]["CurrentAgentSnapshot"]["Contacts"][0]
    assert (dialled["InitiationMethod"], dialled["QueueTimestamp"]) == ("OUTBOUND", None)
    outbound = ("out-1", "VOICE", "q-support")
    assert timeline(docs) == [
        period("agent-1", 0, 1, "STATUS", "available"),
        period("agent-1", 1, 5, "ON_CONTACT", contact=outbound),
        period("agent-1", 5, 6, "AFTER_CONTACT_WORK", contact=outbound),
        period("agent-1", 6, None, "STATUS", "available"),
    ]
    del dialled["QueueTimestamp"]
    assert contact_view(dialled).queue_ms is None


def test_periods_start_when_the_snapshot_says_the_change_happened(scripted_directory, scripted_agent):
    lag = 250  # every event published 250 ms after the change it reports
    a = scripted_agent("agent-1", lag_ms=lag).login(T0).status(T0 + MIN, "available")
    a.offer(T0 + 2 * MIN, "call-1").end(T0 + 7 * MIN, "call-1").clear(T0 + 8 * MIN, "call-1")
    a.logout(T0 + 30 * MIN)
    got = timeline(docs_of(scripted_directory, a))
    starts = [(p.activity, p.start_ms - T0) for p in got]
    assert starts == [
        ("STATUS", lag),  # LOGIN: the event time
        ("STATUS", MIN),  # AgentStatus.StartTimestamp
        ("ON_CONTACT", 2 * MIN),  # the contact's StateStartTimestamp
        ("AFTER_CONTACT_WORK", 7 * MIN),  # the ENDED StateStartTimestamp
        ("STATUS", 8 * MIN + lag),  # a contact leaving has no timestamp: the event time
        ("LOGGED_OUT", 30 * MIN + lag),
    ]


def test_only_a_login_ends_a_logout(scripted_directory, scripted_agent):
    a = scripted_agent("agent-1").login(T0).status(T0, "available").logout(T0 + MIN)
    a.status(T0 + 2 * MIN, "break")  # e.g. a configuration change announced while logged out
    a.login(T0 + 3 * MIN)
    assert timeline(docs_of(scripted_directory, a)) == [
        period("agent-1", 0, 1, "STATUS", "available"),
        period("agent-1", 1, 3, "LOGGED_OUT"),
        period("agent-1", 3, None, "STATUS", "break"),
    ]


def test_agents_interleave_and_can_start_logged_out(scripted_directory, scripted_agent):
    one = scripted_agent("agent-1").login(T0 + MIN).status(T0 + 3 * MIN, "break")
    two = scripted_agent("agent-2").login(T0 + 2 * MIN).status(T0 + 4 * MIN, "available")
    got = replay(docs_of(scripted_directory, one, two), logged_out_since_ms=T0, status_types=STATUS_TYPES)
    assert got == {
        (INSTANCE, "agent-1"): [period("agent-1", 0, 1, "LOGGED_OUT"),
                                period("agent-1", 1, 3, "STATUS", "offline"),
                                period("agent-1", 3, None, "STATUS", "break")],
        (INSTANCE, "agent-2"): [period("agent-2", 0, 2, "LOGGED_OUT"),
                                period("agent-2", 2, 4, "STATUS", "offline"),
                                period("agent-2", 4, None, "STATUS", "available")],
    }


def test_events_out_of_order_are_refused(scripted_directory, day_with_a_call):
    docs = docs_of(scripted_directory, day_with_a_call)
    docs[4], docs[5] = docs[5], docs[4]
    with pytest.raises(ReplayOrderError, match="agent-1"):
        replay(docs)


# -- the rule for several contacts ----------------------------------------------------------
def contact(contact_id: str, state: str, state_start_min: int,
            connected_min: int | None = None) -> ContactView:
    return ContactView(contact_id, contact_id, "CHAT", "INBOUND", "q", 0, state,
                       state_start_min * MIN, None if connected_min is None else connected_min * MIN)


def test_incoming_and_pending_contacts_do_not_count():
    idle = [contact(f"c{i}", state, 1) for i, state in enumerate(["INCOMING", "PENDING"])]
    assert derive_activity(idle) == ("STATUS", None)
    assert derive_activity([]) == ("STATUS", None)


def test_the_missed_group_comes_after_contacts_and_its_primary_names_the_activity():
    missed = contact("m", "MISSED", 3)
    rejected = contact("r", "REJECTED", 5)
    failed = contact("x", "ERROR", 2)
    assert derive_activity([rejected, missed]) == ("CONTACT_MISSED", missed)  # missed earlier
    assert derive_activity([rejected]) == ("CONTACT_REJECTED", rejected)
    assert derive_activity([missed, failed, rejected]) == ("CONTACT_ERROR", failed)
    assert derive_activity([missed, contact("p", "PENDING", 1)]) == ("CONTACT_MISSED", missed)
    wrap_up = contact("a", "ENDED", 9, connected_min=1)
    ringing = contact("d", "CONNECTING", 8)
    assert derive_activity([missed, wrap_up]) == ("AFTER_CONTACT_WORK", wrap_up)
    assert derive_activity([failed, wrap_up, ringing]) == ("ON_CONTACT", ringing)


def test_on_contact_beats_after_contact_work_and_the_earliest_connected_leads():
    wrap_up = contact("a", "ENDED", 9, connected_min=1)
    on_hold = contact("b", "CONNECTED_ONHOLD", 8, connected_min=5)
    talking = contact("c", "CONNECTED", 4, connected_min=4)
    ringing = contact("d", "CONNECTING", 3)
    assert derive_activity([wrap_up, on_hold, talking]) == ("ON_CONTACT", talking)
    assert derive_activity([wrap_up, on_hold, ringing]) == ("ON_CONTACT", ringing)  # offered at 3
    assert derive_activity([on_hold, wrap_up]) == ("ON_CONTACT", on_hold)
    later_wrap_up = contact("e", "ENDED", 9, connected_min=2)
    assert derive_activity([later_wrap_up, wrap_up]) == ("AFTER_CONTACT_WORK", wrap_up)
    twin = contact("0", "ENDED", 9, connected_min=1)
    assert derive_activity([wrap_up, twin]) == ("AFTER_CONTACT_WORK", twin)  # tie: contact id
