"""Replay: agent event documents → each agent's state timeline, the simulator's independent check.

Input is what a consumer reads from the agent event stream (or a JSON-lines file): the
JSON documents of `kinesis/event_json.py`, possibly with duplicates, each agent's in order
(agents may interleave). Output is one list of `model.StatePeriod` per agent, comparable to
the ground truth `World.state_periods()`.

Derivation rules (the WFM tables contract, docs/data-contract.md: wfm_agent_state_transaction):
- LOGOUT → LOGGED_OUT. While logged out only a LOGIN changes the activity.
- A contact in CONNECTING / CONNECTED / CONNECTED_ONHOLD → ON_CONTACT.
- A contact in ENDED → AFTER_CONTACT_WORK, until the contact leaves the snapshot.
- A contact in MISSED / REJECTED / ERROR → CONTACT_MISSED / CONTACT_REJECTED /
  CONTACT_ERROR (the state of the group's primary contact), until the agent clears it and
  it leaves the snapshot: meanwhile the agent is not routable, whatever AgentStatus says.
- Precedence: ON_CONTACT > AFTER_CONTACT_WORK > the missed group > STATUS; INCOMING and
  PENDING contacts do not count.
- No such contact → STATUS: the agent status applies (AgentStatus stays e.g. "Available"
  while the agent is on a contact; the on-contact state comes only from Contacts). The
  status fields of a period are set for STATUS periods only, the contact fields (of the
  primary contact) for the contact activities.
- The status type: AgentStatus.Type where a document carries it (the simulator's "full"
  shape); AWS's data model documents no Type, so otherwise it comes from `status_types`
  (ARN → Type, as ListAgentStatuses gives it; `status_types_of(directory)`).
- HEART_BEAT confirms the current state and never opens a period.
- An EventId seen before changes nothing (at-least-once delivery).
- A period boundary wherever the activity, the agent status (STATUS periods) or the primary
  contact (contact periods) changes; see `derive_activity` for the primary contact. A
  period that would last 0 ms is dropped, and the periods either side of it, when they are
  the same state, are one period.

When a period starts: the moment the snapshot records for the change, i.e. the latest
AgentStatus.StartTimestamp or Contacts[].StateStartTimestamp that is newer than the agent's
previous event, or the EventTimestamp when none is (a contact leaving the snapshot carries
no timestamp of its own). So an ON_CONTACT period starts at its contact's
StateStartTimestamp, an AFTER_CONTACT_WORK period at the ENDED StateStartTimestamp, a
CONTACT_MISSED period at the MISSED StateStartTimestamp, and LOGIN / LOGOUT at their
EventTimestamp.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from .kinesis.timestamps import parse_iso_ms
from .model import (
    STATUS,
    ContactView,
    Directory,
    StatePeriod,
    derive_activity,
)

LOGGED_OUT = "LOGGED_OUT"


Document = Mapping[str, Any]


class ReplayOrderError(ValueError):
    """An agent's events arrived out of time order (duplicates aside)."""


# -- documents → model values ---------------------------------------------------------------
def _arn_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def agent_key(document: Document) -> tuple[str, str]:
    """(instance_id, user_id) from the AgentARN `arn:...:instance/<instance>/agent/<user>`."""
    parts = document["AgentARN"].split("/")
    return parts[-3], parts[-1]


def _optional_ms(text: str | None) -> int | None:
    return None if text is None else parse_iso_ms(text)


def status_types_of(directory: Directory) -> dict[str, str]:
    """Agent status ARN → its type (ROUTABLE | CUSTOM | OFFLINE), as ListAgentStatuses gives it."""
    return {status.arn: status.status_type for status in directory.agent_statuses}


def contact_view(contact: Document) -> ContactView:
    """A snapshot's contact; QueueTimestamp is null (or absent) for OUTBOUND contacts."""
    return ContactView(
        contact_id=contact["ContactId"],
        initial_contact_id=contact.get("InitialContactId") or contact["ContactId"],
        channel=contact["Channel"],
        initiation_method=contact["InitiationMethod"],
        queue_id=_arn_id(contact["Queue"]["ARN"]),
        queue_ms=_optional_ms(contact.get("QueueTimestamp")),
        state=contact["State"],
        state_start_ms=parse_iso_ms(contact["StateStartTimestamp"]),
        connected_ms=_optional_ms(contact.get("ConnectedToAgentTimestamp")),
    )


# -- one agent --------------------------------------------------------------------------------
class AgentTimeline:
    """Folds one agent's event documents, in stream order, into state periods."""

    def __init__(self, instance_id: str, user_id: str, logged_out_since_ms: int | None = None,
                 status_types: Mapping[str, str] | None = None) -> None:
        self.instance_id = instance_id
        self.user_id = user_id
        self._status_types = status_types or {}
        self._seen_event_ids: set[str] = set()
        self._last_event_ms: int | None = None
        self._closed: list[StatePeriod] = []
        self._open: StatePeriod | None = None
        self._logged_out = logged_out_since_ms is not None
        if logged_out_since_ms is not None:
            self._open = self._period(logged_out_since_ms, LOGGED_OUT, None, None)

    def periods(self) -> list[StatePeriod]:
        return self._closed + ([self._open] if self._open is not None else [])

    def apply(self, document: Document) -> None:
        event_id = document["EventId"]
        if event_id in self._seen_event_ids:
            return
        self._seen_event_ids.add(event_id)
        event_ms = parse_iso_ms(document["EventTimestamp"])
        if self._last_event_ms is not None and event_ms < self._last_event_ms:
            raise ReplayOrderError(
                f"agent {self.user_id}: event {event_id} at {document['EventTimestamp']} "
                f"comes after an event at {self._last_event_ms} ms"
            )
        event_type = document["EventType"]
        if event_type == "LOGOUT":
            self._logged_out = True
            self._begin(self._period(event_ms, LOGGED_OUT, None, None))
        elif event_type == "LOGIN" or (event_type == "STATE_CHANGE" and not self._logged_out):
            snapshot = document.get("CurrentAgentSnapshot")
            if snapshot is not None:
                self._logged_out = False
                self._begin(self._period_of(snapshot, event_type, event_ms))
        self._last_event_ms = event_ms

    def _period_of(self, snapshot: Document, event_type: str, event_ms: int) -> StatePeriod:
        status = snapshot["AgentStatus"]
        contacts = [contact_view(c) for c in snapshot.get("Contacts") or ()]
        activity, primary = derive_activity(contacts)
        if event_type == "LOGIN":
            start_ms = event_ms
        else:
            recorded = [parse_iso_ms(status["StartTimestamp"])] + [c.state_start_ms for c in contacts]
            start_ms = self._change_moment(recorded, event_ms)
        return self._period(start_ms, activity, status if activity == STATUS else None, primary)

    def _change_moment(self, recorded_ms: list[int], event_ms: int) -> int:
        newer = [t for t in recorded_ms if self._last_event_ms is None or t > self._last_event_ms]
        return min(max(newer), event_ms) if newer else event_ms

    def _period(
        self,
        start_ms: int,
        activity: str,
        status: Document | None,
        primary: ContactView | None,
    ) -> StatePeriod:
        return StatePeriod(
            instance_id=self.instance_id,
            user_id=self.user_id,
            start_ms=start_ms,
            end_ms=None,
            activity=activity,
            status_id=_arn_id(status["ARN"]) if status else None,
            status_name=status["Name"] if status else None,
            status_type=self._status_type(status) if status else None,
            contact_id=primary.contact_id if primary else None,
            channel=primary.channel if primary else None,
            queue_id=primary.queue_id if primary else None,
        )

    def _status_type(self, status: Document) -> str | None:
        return status.get("Type") or self._status_types.get(status["ARN"])

    def _begin(self, period: StatePeriod) -> None:
        current = self._open
        if current is not None and _same_state(current, period):
            return
        if current is not None and current.start_ms >= period.start_ms:
            # The state before lasted 0 ms: drop it, and rejoin the one before it if that
            # one was the same state as the new one.
            current = None
            if self._closed and _same_state(self._closed[-1], period):
                reopened = self._closed.pop()
                self._open = replace(reopened, end_ms=None)
                return
        if current is not None:
            self._closed.append(replace(current, end_ms=period.start_ms))
        self._open = period


def _same_state(a: StatePeriod, b: StatePeriod) -> bool:
    return (a.activity, a.status_id, a.contact_id) == (b.activity, b.status_id, b.contact_id)


# -- many agents ------------------------------------------------------------------------------
def replay(
    documents: Iterable[Document],
    logged_out_since_ms: int | None = None,
    status_types: Mapping[str, str] | None = None,
) -> dict[tuple[str, str], list[StatePeriod]]:
    """Timelines keyed (instance_id, user_id), for every agent with at least one document.

    Each agent's documents must come in order. `logged_out_since_ms`: when known, the
    moment from which every agent was logged out before its first document (the simulator
    starts with everyone logged out); the timelines then begin with that LOGGED_OUT period.
    `status_types`: agent status ARN → type, for documents without AgentStatus.Type (AWS's
    documented shape); without it such periods have no status_type.
    """
    timelines: dict[tuple[str, str], AgentTimeline] = {}
    for document in documents:
        key = agent_key(document)
        timeline = timelines.get(key)
        if timeline is None:
            timeline = timelines[key] = AgentTimeline(*key, logged_out_since_ms, status_types)
        timeline.apply(document)
    return {key: timeline.periods() for key, timeline in timelines.items()}
