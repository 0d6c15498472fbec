"""A setting's default is declared once: what the reader does with no config is what the tap's
settings (its --about, meltano's docs) say."""

from __future__ import annotations

from tap_connect_kinesis.reader import ReaderSettings
from tap_connect_kinesis.tap import TapConnectKinesis

# tap setting → ReaderSettings field
SAME = {"collection_interval_seconds": "interval_s", "start_position": "start_position",
        "include_heartbeats": "include_heartbeats", "max_batch_rows": "max_batch_rows",
        "get_records_limit": "get_records_limit", "shard_discovery_interval_seconds": "discovery_interval_s"}


def test_the_reader_defaults_are_the_tap_settings_defaults():
    schema = TapConnectKinesis.config_jsonschema["properties"]
    reader = ReaderSettings()
    differ = {setting: (schema[setting].get("default"), getattr(reader, field))
              for setting, field in SAME.items() if schema[setting].get("default") != getattr(reader, field)}
    assert not differ, differ


def test_unset_and_null_settings_run_the_reader_at_the_schema_defaults():
    """Meltano passes a setting it has no value for as null (or leaves it out): either way the
    tap runs at the default its --about shows, never at a second default of its own."""
    schema = TapConnectKinesis.config_jsonschema["properties"]
    # null where the schema takes it (a setting with allowed values refuses null, by its enum)
    nullable = [name for name, spec in schema.items() if "default" in spec and "enum" not in spec]
    assert "collection_interval_seconds" in nullable and "max_batch_rows" in nullable
    for config in ({}, dict.fromkeys(nullable)):
        tap = TapConnectKinesis(config={"stream_name": "agent-events", "aws_region": "us-west-2", **config})
        assert tap.reader_settings() == ReaderSettings()
        assert tap.settings["dead_letter_path"] == schema["dead_letter_path"]["default"]
