"""The Singer SDK's standard tap tests, against a simulated centre running in real time
(the tap's own clock is then right, nothing is patched)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from singer_sdk.testing import get_tap_test_class

from connect_sim.api.server import start_server
from connect_sim.clock import ScaledClock
from connect_sim.config import WorldConfig
from connect_sim.world import World
from tap_amazon_connect.tap import TapAmazonConnect

_now = datetime.now(UTC).replace(microsecond=0)


def _zone_where_it_is_early_afternoon(now: datetime) -> str:
    """The simulated site's agents work by local time: at night there (CI runs at any hour) no
    agent is logged in and the per-agent streams have no rows. Etc/GMT-N is UTC+N."""
    offset = (13 - now.hour + 12) % 24 - 12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


_config = WorldConfig(seed=11, agents_per_instance=8, standard_queues_per_instance=2,
                      time_zones=(_zone_where_it_is_early_afternoon(_now),))
_world = World(replace(_config, start=_now - timedelta(hours=6)),
               clock=ScaledClock(int(time.time() * 1000), speed=1.0))
_server = start_server(_world)

SAMPLE_CONFIG = {
    "aws_access_key_id": "AKIDTESTTESTTEST",
    "aws_secret_access_key": "secret-test-key",
    "aws_region": "USWest2",
    "aws_endpoint_url": _server.url,
    "start_date": (_now - timedelta(hours=2)).isoformat(),
    "api_quotas": {"*": 0},
}



def _catalog_selecting_every_stream() -> dict:
    """agent_interval_metrics is not selected by default; the standard tests cover it too."""
    catalog = TapAmazonConnect(config=SAMPLE_CONFIG, validate_config=False).catalog_dict
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = True
    return catalog


TestTapAmazonConnect = get_tap_test_class(TapAmazonConnect, config=SAMPLE_CONFIG,
                                          catalog=_catalog_selecting_every_stream())
