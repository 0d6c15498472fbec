"""What a handler gets: the decoded request, the moment it is answered at, and the world."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..agent_activity import AgentPiece
from ..config import WorldConfig
from ..faults import FaultPlan
from ..model import ContactSegment, Directory
from ..world import LiveView
from .pagination import PageTokens


class WorldView(Protocol):
    """The part of `connect_sim.world.World` the API serves."""

    config: WorldConfig
    directory: Directory
    faults: FaultPlan

    def sync(self) -> int: ...

    def segments(self, instance_id: str, start_ms: int, end_ms: int) -> list[ContactSegment]: ...

    def segments_for_window(self, instance_id: str, start_ms: int,
                            end_ms: int) -> list[ContactSegment]: ...

    def visible_ms(self, segment: ContactSegment) -> int | None: ...

    def agent_activity(self, instance_id: str, start_ms: int, end_ms: int,
                       as_of_ms: int | None = None) -> list[AgentPiece]: ...

    def live(self, instance_id: str) -> LiveView: ...


@dataclass(frozen=True, slots=True)
class Call:
    operation: str
    params: dict[str, Any]
    now_ms: int
    world: WorldView
    pages: PageTokens

    @property
    def directory(self) -> Directory:
        return self.world.directory
