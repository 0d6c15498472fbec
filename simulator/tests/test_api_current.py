"""GetCurrentMetricData: real-time figures per queue and channel, with Connect's quirks.

A hand-made moment (a fake world holding one LiveView over the scripted directory) pins
every definition; the served real World checks the figures against its own live view.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from connect_sim.api.server import start_server
from connect_sim.faults import FaultPlan
from connect_sim.model import ContactSegment, ContactView, Directory
from connect_sim.world import LiveAgent, LiveView

NOW_MS = 1_793_624_400_000  # 2026-11-02T13:00:00Z
COUNT_METRICS = ("AGENTS_ONLINE", "AGENTS_STAFFED", "AGENTS_NON_PRODUCTIVE", "AGENTS_ON_CONTACT",
                 "AGENTS_ON_CALL", "AGENTS_AFTER_CONTACT_WORK", "AGENTS_ERROR", "AGENTS_AVAILABLE",
                 "SLOTS_ACTIVE", "SLOTS_AVAILABLE", "CONTACTS_IN_QUEUE", "CONTACTS_SCHEDULED")
METRICS = [{"Name": name, "Unit": "COUNT"} for name in COUNT_METRICS] + [
    {"Name": "OLDEST_CONTACT_AGE", "Unit": "SECONDS"}]


@dataclass
class OneMomentWorld:
    """Satisfies what the API reads of a World, frozen at one moment."""

    directory: Directory
    moment: LiveView
    faults: FaultPlan = field(default_factory=FaultPlan)

    def sync(self) -> int:
        return self.moment.now_ms

    def segments(self, instance_id: str, start_ms: int, end_ms: int) -> list[ContactSegment]:
        return []

    def segments_for_window(self, instance_id: str, start_ms: int,
                            end_ms: int) -> list[ContactSegment]:
        return []

    def visible_ms(self, segment: ContactSegment) -> int | None:
        return None

    def live(self, instance_id: str) -> LiveView:
        return self.moment


def _contact(contact_id: str, channel: str, state: str) -> ContactView:
    return ContactView(contact_id, contact_id, channel, "INBOUND", "q-sales", NOW_MS - 600_000,
                       state, NOW_MS - 60_000, NOW_MS - 300_000)


# rp-general serves q-sales (VOICE, CHAT) and q-support (VOICE), 1 voice or 3 chats;
# rp-digital serves q-chat (CHAT), 3 chats.
MOMENT = LiveView(
    NOW_MS,
    waiting=(("q-sales", "VOICE", NOW_MS - 30_000), ("q-sales", "CHAT", NOW_MS - 90_000),
             ("q-chat", "CHAT", NOW_MS - 10_000)),
    agents=(
        LiveAgent("talking", "rp-general", True, "available", "ROUTABLE",
                  (_contact("c1", "VOICE", "CONNECTED"),)),
        LiveAgent("wrapping", "rp-general", True, "available", "ROUTABLE",
                  (_contact("c2", "CHAT", "ENDED"),)),
        LiveAgent("on-break", "rp-digital", True, "break", "CUSTOM", ()),
        LiveAgent("idle", "rp-general", True, "available", "ROUTABLE", ()),
        LiveAgent("failed", "rp-general", True, "available", "ROUTABLE",
                  (_contact("c3", "VOICE", "ERROR"),)),
        LiveAgent("gone", "rp-digital", False, "offline", "OFFLINE", ()),
    ),
)


@pytest.fixture
def moment_client(scripted_directory, connect_client) -> Iterator:
    server = start_server(OneMomentWorld(scripted_directory, MOMENT))
    yield connect_client(server.url)
    server.stop()


def _results(client, instance_id: str, groupings: list[str], queues=("q-sales", "q-support",
                                                                     "q-chat"), **extra) -> list:
    answer = client.get_current_metric_data(
        InstanceId=instance_id, Filters={"Queues": list(queues), **extra.pop("filters", {})},
        Groupings=groupings, CurrentMetrics=METRICS, **extra)
    assert answer["DataSnapshotTime"].timestamp() * 1000 == NOW_MS
    assert answer["ApproximateTotalCount"] == len(answer["MetricResults"])
    return [(row["Dimensions"], {d["Metric"]["Name"]: d.get("Value") for d in row["Collections"]})
            for row in answer["MetricResults"]]


def test_instance_level_figures_follow_connects_definitions(moment_client, scripted_directory):
    [(dimensions, values)] = _results(moment_client, scripted_directory.instances[0].id, [])

    assert dimensions == {}
    assert values == {
        "AGENTS_ONLINE": 5,  # everyone logged in whose status is not Offline
        "AGENTS_STAFFED": 4,  # online and not in a custom status
        "AGENTS_NON_PRODUCTIVE": 1,
        "AGENTS_ON_CONTACT": 2,  # connected, and in after-contact work
        "AGENTS_ON_CALL": 2,
        "AGENTS_AFTER_CONTACT_WORK": 1,  # counts contacts in ACW
        "AGENTS_ERROR": 1,
        "AGENTS_AVAILABLE": 2,  # wrapping (2 chat slots left) and idle
        "SLOTS_ACTIVE": 2,
        "SLOTS_AVAILABLE": 5,  # wrapping 2 + idle 3 (its largest channel capacity)
        "CONTACTS_IN_QUEUE": 3,
        "CONTACTS_SCHEDULED": 0,
        "OLDEST_CONTACT_AGE": 90_000,  # milliseconds without grouping
    }


def test_queue_rows_count_the_agents_whose_routing_profile_serves_the_queue(
        moment_client, scripted_directory):
    instance = scripted_directory.instances[0]

    rows = _results(moment_client, instance.id, ["QUEUE"])

    by_queue = {dims["Queue"]["Id"]: values for dims, values in rows}
    assert [dims["Queue"]["Id"] for dims, _ in rows] == ["q-sales", "q-support", "q-chat"]
    assert rows[0][0]["Queue"]["Arn"] == f"{instance.arn}/queue/q-sales"
    assert by_queue["q-chat"]["AGENTS_ONLINE"] == 1  # on-break; gone is logged out
    assert by_queue["q-chat"]["AGENTS_NON_PRODUCTIVE"] == 1
    assert by_queue["q-chat"]["OLDEST_CONTACT_AGE"] == 10  # seconds when grouped
    assert by_queue["q-sales"]["OLDEST_CONTACT_AGE"] == 90
    assert by_queue["q-sales"]["AGENTS_ONLINE"] == by_queue["q-support"]["AGENTS_ONLINE"] == 4
    assert by_queue["q-support"]["CONTACTS_IN_QUEUE"] == 0


def test_channel_rows_see_only_that_channels_contacts(moment_client, scripted_directory):
    rows = _results(moment_client, scripted_directory.instances[0].id, ["QUEUE", "CHANNEL"],
                    queues=["q-sales"], filters={"Channels": ["VOICE", "CHAT"]})

    by_channel = {dims["Channel"]: values for dims, values in rows}
    assert by_channel["CHAT"]["AGENTS_ON_CONTACT"] == 1  # wrapping; talking is on voice
    assert by_channel["CHAT"]["AGENTS_AFTER_CONTACT_WORK"] == 1
    assert by_channel["CHAT"]["AGENTS_AVAILABLE"] == 2  # wrapping and idle; voice blocks chat
    assert by_channel["VOICE"]["AGENTS_AVAILABLE"] == 1  # idle
    assert by_channel["VOICE"]["SLOTS_AVAILABLE"] == 1
    assert by_channel["VOICE"]["AGENTS_ERROR"] == 1
    assert by_channel["VOICE"]["OLDEST_CONTACT_AGE"] == 30


def test_groups_without_agents_or_contacts_have_no_row(moment_client, scripted_directory):
    rows = _results(moment_client, scripted_directory.instances[0].id, ["QUEUE"],
                    queues=["q-own-1", "q-chat"])

    assert [dims["Queue"]["Id"] for dims, _ in rows] == ["q-chat"]


def test_sort_criteria_order_the_rows(moment_client, scripted_directory):
    rows = _results(moment_client, scripted_directory.instances[0].id, ["QUEUE"],
                    SortCriteria=[{"SortByMetric": "CONTACTS_IN_QUEUE", "SortOrder": "ASCENDING"}])

    assert [values["CONTACTS_IN_QUEUE"] for _, values in rows] == [0, 1, 2]


def test_real_world_figures_match_its_live_view(connect_rig):
    rig = connect_rig()
    queue_ids = [q.id for q in rig.world.directory.queues_of(rig.instance.id)
                 if q.queue_type == "STANDARD"]

    [(_, values)] = _results_at(rig, queue_ids)

    live = rig.world.live(rig.instance.id)
    online = [a for a in live.agents if a.logged_in and a.status_type != "OFFLINE"]
    assert values["AGENTS_ONLINE"] == len(online) > 0
    assert values["CONTACTS_IN_QUEUE"] == sum(1 for w in live.waiting if w[0] in queue_ids)
    assert values["SLOTS_ACTIVE"] == sum(
        1 for a in live.agents for c in a.contacts
        if c.state in {"CONNECTING", "CONNECTED", "CONNECTED_ONHOLD", "ENDED"})


def _results_at(rig, queue_ids: list[str]) -> list:
    answer = rig.client().get_current_metric_data(
        InstanceId=rig.instance.arn, Filters={"Queues": queue_ids}, CurrentMetrics=METRICS)
    assert answer["DataSnapshotTime"].timestamp() * 1000 == rig.clock.now_ms()
    return [(row["Dimensions"], {d["Metric"]["Name"]: d.get("Value") for d in row["Collections"]})
            for row in answer["MetricResults"]]


def test_an_uncleared_rejected_chat_keeps_the_agent_from_being_available(
        scripted_directory, connect_client):
    """A chat or task the agent rejected stays on screen until cleared; meanwhile the agent
    is not Available (docs/aws-sources.md §2), whatever the status says."""
    moment = LiveView(NOW_MS, waiting=(), agents=(
        LiveAgent("rejected", "rp-digital", True, "available", "ROUTABLE",
                  (_contact("c9", "CHAT", "REJECTED"),)),
        LiveAgent("idle", "rp-digital", True, "available", "ROUTABLE", ()),
    ))
    server = start_server(OneMomentWorld(scripted_directory, moment))
    try:
        [(_, values)] = _results(connect_client(server.url), scripted_directory.instances[0].id,
                                 [], queues=["q-chat"])
    finally:
        server.stop()

    assert values["AGENTS_STAFFED"] == 2
    assert values["AGENTS_AVAILABLE"] == 1  # idle only
