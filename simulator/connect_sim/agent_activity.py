"""Agent-activity-driven time per agent: GetMetricDataV2's SUM_ONLINE_TIME_AGENT,
SUM_IDLE_TIME_AGENT, SUM_CONTACT_TIME_AGENT, SUM_NON_PRODUCTIVE_TIME_AGENT and
SUM_ERROR_STATUS_TIME_AGENT, the simulator's model of what AWS documents
(docs/aws-sources.md §9; archive `historical-metrics-definitions.md`,
https://docs.aws.amazon.com/connect/latest/adminguide/metrics-definitions.html).

These are *agent-activity-driven*: time is split across intervals by when it happened,
unlike the contact-record-driven figures of `metrics.py` (the disconnect interval). They
come from the engine's own record of each agent (logged in or not, the status type, the
states of the contacts in hand), kept by `ActivityLog` as the engine changes the agent —
never from the agent events or the state periods the transform derives from them, so
they are an independent check of that derivation.

At each moment, for a logged-in agent with status type S and contacts in hand:

| metric | counts the moment when | AWS |
|---|---|---|
| online | S is not OFFLINE | "status other than Offline, custom statuses included" |
| non-productive | S is CUSTOM | "time in a custom status"; overlaps with contact handling |
| on contact | S is ROUTABLE and a contact is CONNECTED, CONNECTED_ONHOLD or ENDED (after-contact work) | "on a contact, incl. hold and ACW, excl. time in a custom or Offline status" |
| idle | S is ROUTABLE and no contact is connected, on hold, in ACW or ringing (a contact in error does not stop it) | "Available with no contacts, plus time their contacts spent in Error" |
| error status | a contact is MISSED, REJECTED or ERROR (not cleared yet) | "time the agent's contacts were in error status" |

Choices where AWS is not explicit (the simulator's reading; a real centre may differ,
docs/data-contract.md, reconciliation):
- Ring time (a contact CONNECTING, none connected) is neither idle nor on contact: the
  archived definition says idle "doesn't include the amount of time from when Amazon
  Connect starts routing the contact to the agent to when agent picks up or declines"
  (the live text since 2024 says idle *includes* it), and on-contact time starts when the
  contact is connected. So online = idle + on contact + non-productive + ring time.
- Time is wall clock: two chats at once count once (AWS does not say whether on-contact
  time adds concurrent contacts; Occupancy is documented over wall-clock contact time).
- Error counts whatever else the agent does: a rejected chat while another chat is
  connected is error time and on-contact time, not idle time.
- A missed, rejected or failed offer is in error from its MISSED / REJECTED / ERROR state
  until the agent clears it (AWS's "Agent error" state follows a missed call or a rejected
  chat/task, docs/aws-sources.md §2).
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from .metrics import Figures
from .model import MISSED_GROUP_STATES

# What the engine records of an agent at a moment, as bits of one small integer.
LOGGED_IN = 1
ROUTABLE = 2  # status type ROUTABLE; neither ROUTABLE nor CUSTOM: OFFLINE
CUSTOM = 4
ACTIVE = 8  # a contact CONNECTED, CONNECTED_ONHOLD or ENDED (in after-contact work)
CONNECTING = 16  # a contact ringing at the agent, or being dialled
ERROR = 32  # a contact MISSED, REJECTED or ERROR that the agent has not cleared
ACTIVE_STATES = frozenset({"CONNECTED", "CONNECTED_ONHOLD", "ENDED"})
STATUS_BITS = {"ROUTABLE": ROUTABLE, "CUSTOM": CUSTOM, "OFFLINE": 0}

# GetMetricDataV2 metric → the Figures field it sums (ms).
ACTIVITY_METRICS = {
    "SUM_ONLINE_TIME_AGENT": "online_ms",
    "SUM_IDLE_TIME_AGENT": "idle_ms",
    "SUM_CONTACT_TIME_AGENT": "contact_ms",
    "SUM_NON_PRODUCTIVE_TIME_AGENT": "non_productive_ms",
    "SUM_ERROR_STATUS_TIME_AGENT": "error_status_ms",
}


def state_code(logged_in: bool, status_type: str, contact_states: Iterable[str]) -> int:
    """The recorded state of an agent: logged in, its status type, its contacts' states."""
    if not logged_in:
        return 0
    code = LOGGED_IN | STATUS_BITS.get(status_type, 0)
    for state in contact_states:
        if state in ACTIVE_STATES:
            code |= ACTIVE
        elif state == "CONNECTING":
            code |= CONNECTING
        elif state in MISSED_GROUP_STATES:
            code |= ERROR
    return code


def categories(code: int) -> tuple[bool, bool, bool, bool, bool]:
    """(online, idle, on contact, non-productive, error status) of a recorded state (the
    table in the module docstring)."""
    if not code & LOGGED_IN:
        return False, False, False, False, False
    routable = bool(code & ROUTABLE)
    online = bool(code & (ROUTABLE | CUSTOM))
    contact = routable and bool(code & ACTIVE)
    idle = routable and not code & (ACTIVE | CONNECTING)
    return online, idle, contact, bool(code & CUSTOM), bool(code & ERROR)


class ActivityLog:
    """One agent's recorded states: the moments its state changed and the state from then
    on (compact: 9 bytes a change, since a long simulation records millions)."""

    __slots__ = ("codes", "starts")

    def __init__(self, start_ms: int) -> None:
        self.starts = array("q", [start_ms])
        self.codes = bytearray([0])  # everyone starts logged out

    def record(self, t_ms: int, code: int) -> None:
        if code == self.codes[-1]:
            return
        if t_ms <= self.starts[-1]:  # a change at the same moment replaces the one before it
            self.codes[-1] = code
            if len(self.codes) > 1 and self.codes[-2] == code:
                self.starts.pop()
                self.codes.pop()
            return
        self.starts.append(t_ms)
        self.codes.append(code)

    def pieces(self, start_ms: int, end_ms: int) -> list[tuple[int, int, int]]:
        """(start, end, code) of the recorded states within [start_ms, end_ms); the last
        state runs on to end_ms (the caller's "now")."""
        out = []
        i = max(0, bisect.bisect_right(self.starts, start_ms) - 1)
        n = len(self.starts)
        while i < n and self.starts[i] < end_ms:
            lo = max(self.starts[i], start_ms)
            hi = min(self.starts[i + 1], end_ms) if i + 1 < n else end_ms
            if lo < hi:
                out.append((lo, hi, self.codes[i]))
            i += 1
        return out


@dataclass(frozen=True, slots=True)
class AgentPiece:
    """A stretch of one agent's recorded state (from `World.agent_activity`)."""

    user_id: str
    start_ms: int
    end_ms: int
    code: int


def attribute_activity(
    pieces: Iterable[AgentPiece],
    group_of: Callable[[str, int], Hashable | None],
    bounds: Sequence[tuple[int, int]],
    cuts: Callable[[str], Sequence[int]] = lambda _: (),
) -> dict[tuple[Hashable, int], Figures]:
    """Activity time keyed (group, interval start), split by when it happened.

    `group_of(user_id, t_ms)`: the group of the agent at that moment (None: no group, e.g.
    filtered out); `bounds`: the reporting intervals [start, end), in order; `cuts(user_id)`:
    moments where the agent's group may change (its configuration versions), so a piece is
    cut there too. A key exists for every group × interval in which an agent of the group
    was logged in (with zeros when it was logged in with status Offline only).
    """
    out: dict[tuple[Hashable, int], Figures] = {}
    starts = [lo for lo, _ in bounds]
    for piece in pieces:
        if not piece.code & LOGGED_IN:
            continue
        online, idle, contact, npt, error = categories(piece.code)
        edges = sorted({piece.start_ms, piece.end_ms,
                        *(t for t in cuts(piece.user_id) if piece.start_ms < t < piece.end_ms),
                        *(lo for lo, _ in bounds if piece.start_ms < lo < piece.end_ms),
                        *(hi for _, hi in bounds if piece.start_ms < hi < piece.end_ms)})
        for lo, hi in itertools.pairwise(edges):
            i = bisect.bisect_right(starts, lo) - 1
            if i < 0 or lo >= bounds[i][1]:
                continue
            group = group_of(piece.user_id, lo)
            if group is None:
                continue
            key = (group, starts[i])
            figures = out.get(key)
            if figures is None:
                figures = out[key] = Figures()
            span = hi - lo
            figures.online_ms += span * online
            figures.idle_ms += span * idle
            figures.contact_ms += span * contact
            figures.non_productive_ms += span * npt
            figures.error_status_ms += span * error
    return out
