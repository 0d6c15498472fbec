"""What every stream shares: the run's Connect client, options and instance partitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk import Stream

if TYPE_CHECKING:
    from ..client import ConnectClient, Instance
    from ..options import Options


class ConnectStream(Stream):
    @property
    def connect(self) -> ConnectClient:
        return self._tap.connect  # type: ignore[attr-defined]

    @property
    def options(self) -> Options:
        return self._tap.options  # type: ignore[attr-defined]

    def instances(self) -> list[Instance]:
        return self.connect.instances()

    def get_replication_key_signpost(self, context: Any = None) -> None:
        # Values never run ahead of the run's "now" (closed intervals, listed users), and
        # the SDK's default signpost (the wall clock) is wrong against a simulated clock.
        return None


class PerInstanceStream(ConnectStream):
    """Incremental streams keep state per instance: adding an instance backfills only it."""

    def bookmark(self, context: dict) -> str | None:
        """The replication key value a previous run left for this instance (None: first run).

        Unlike the SDK's get_starting_replication_key_value, never start_date.
        """
        return self.get_context_state(context).get("replication_key_value")

    @property
    def partitions(self) -> list[dict] | None:
        return [{"instance_id": instance.id} for instance in self.instances()]
