"""A setting's default is declared once, in the tap's schema (what --about and Meltano show):
with nothing configured, or a setting set to null, the tap does what the schema says."""

from __future__ import annotations

import pytest

from tap_amazon_connect.options import Options
from tap_amazon_connect.tap import TapAmazonConnect

# schema setting → what Options made of it
READ_AS = {"metrics_api": lambda o: o.metrics_api, "interval_minutes": lambda o: o.interval_minutes,
           "lookback_minutes": lambda o: o.lookback_minutes, "settle_minutes": lambda o: o.settle_minutes,
           "queue_types": lambda o: list(o.queue_types), "channels": lambda o: list(o.channels),
           "service_level_thresholds_seconds": lambda o: list(o.thresholds),
           "agent_activity_backfill_hours": lambda o: o.agent_activity_backfill_hours}


@pytest.mark.parametrize("config", [{}, dict.fromkeys(READ_AS)], ids=["unset", "null"])
def test_options_take_the_schema_defaults(config):
    schema = TapAmazonConnect.config_jsonschema["properties"]
    options = Options.from_config(config)
    defaults = {name: spec["default"] for name, spec in schema.items() if "default" in spec and name in READ_AS}
    assert set(defaults) == set(READ_AS)  # every tap setting with a default is checked here
    assert {name: read(options) for name, read in READ_AS.items()} == defaults
