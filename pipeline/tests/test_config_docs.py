from pathlib import Path

from wfm_pipeline import config_docs

ROOT = Path(__file__).resolve().parents[2]


def test_configuration_reference_matches_the_taps_about():
    assert config_docs.main(ROOT, check=True) == 0, "run `.venv/bin/wfm-pipeline config-docs` and commit"


def test_render_marks_secrets_and_defaults():
    text = config_docs.render([{"name": "tap-x", "version": "1", "description": "X", "settings": {
        "required": ["stream_name"], "properties": {
            "stream_name": {"type": ["string"], "description": "The stream"},
            "proxy_password": {"type": ["string", "null"], "secret": True, "description": "a|b"},
            "channels": {"type": ["array", "null"], "items": {"type": ["string"]}, "default": ["VOICE"]},
        }}}])
    assert "| `stream_name` | string |  | The stream (required) |" in text
    assert "| `proxy_password` | string |  | a\\|b (secret) |" in text
    assert '| `channels` | list of string | ["VOICE"] |' in text


def test_each_tap_describes_itself_in_its_about():
    for tap in config_docs.TAPS:
        description = config_docs.about(tap).get("description")
        assert description and description != "None" and len(description) > 20, (tap, description)
