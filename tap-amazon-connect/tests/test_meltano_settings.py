"""meltano.yml declares the tap's settings again (Meltano only passes declared ones): the
same names, each of a kind that carries its JSON type."""

from __future__ import annotations

from pathlib import Path

import yaml

from tap_amazon_connect.tap import TapAmazonConnect

MELTANO_YML = Path(__file__).resolve().parents[2] / "meltano.yml"
KINDS = {"string": {"string", "password", "options", "date_iso8601"}, "integer": {"integer"},
         "boolean": {"boolean"}, "array": {"array"}, "object": {"object"}}


def test_meltano_declares_every_setting_with_a_kind_of_its_type():
    [plugin] = [p for p in yaml.safe_load(MELTANO_YML.read_text())["plugins"]["extractors"]
                if p["name"] == "tap-amazon-connect"]
    declared = {s["name"]: s.get("kind", "string") for s in plugin["settings"]}
    builtin: dict = {"properties": {}}
    TapAmazonConnect.append_builtin_config(builtin)  # the SDK's own (stream maps ...), not Meltano's to declare
    properties = {name: spec for name, spec in TapAmazonConnect.config_jsonschema["properties"].items()
                  if name not in builtin["properties"]}

    assert set(declared) == set(properties)
    for name, kind in declared.items():
        [json_type] = [t for t in properties[name]["type"] if t != "null"]
        assert kind in KINDS.get(json_type, set()), (name, kind, json_type)
