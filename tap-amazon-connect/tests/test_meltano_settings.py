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


def test_both_taps_share_one_definition_of_each_aws_setting():
    """wfm-aws's settings are written once in meltano.yml (anchors in tap-amazon-connect,
    aliases in tap-connect-kinesis), so the two taps cannot drift apart."""
    from wfm_aws.singer_config import aws_properties

    text = MELTANO_YML.read_text()
    plugins = {p["name"]: p for p in yaml.safe_load(text)["plugins"]["extractors"]}
    names = [prop.name for prop in aws_properties("Connect")]
    assert len(names) == 16
    for name in names:
        [ours] = [s for s in plugins["tap-amazon-connect"]["settings"] if s["name"] == name]
        [theirs] = [s for s in plugins["tap-connect-kinesis"]["settings"] if s["name"] == name]
        assert ours == theirs, name
        assert text.count(f"{{name: {name},") == 1 and f"- *{name}\n" in text, name
