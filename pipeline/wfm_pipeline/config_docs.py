"""docs/configuration.md, generated from the taps' own `--about`, so it cannot drift.

    wfm-pipeline config-docs           rewrite docs/configuration.md
    wfm-pipeline config-docs --check   exit 1 when it is out of date (a test runs this)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TAPS = ("tap-amazon-connect", "tap-connect-kinesis")
HEADER = """# Configuration reference

Generated from each tap's `--about` by `wfm-pipeline config-docs`; do not edit by hand.
Every setting can also come from the environment as `<TAP_NAME>_<SETTING>` in upper case
(for example `TAP_AMAZON_CONNECT_AWS_REGION`), from Meltano's `.env`, or from a Kubernetes
Secret. Settings marked secret are never logged.
"""


def about(tap: str) -> dict:
    executable = Path(sys.executable).with_name(tap)
    result = subprocess.run([str(executable), "--about", "--format", "json"], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def _type(spec: dict) -> str:
    types = spec.get("type", [])
    types = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"] if v is not None)
    if types == ["array"]:
        return f"list of {_type(spec.get('items', {}))}"
    if spec.get("format") == "date-time":
        return "date-time"
    return " or ".join(types) or "any"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(abouts: list[dict]) -> str:
    parts = [HEADER]
    for info in abouts:
        properties = info["settings"]["properties"]
        required = set(info["settings"].get("required", []))
        parts.append(f"\n## {info['name']}\n\n{info.get('description', '')}\n")  # no version: it is each commit's
        parts.append("| setting | type | default | description |\n|---|---|---|---|")
        for name, spec in properties.items():
            flags = [*(["required"] if name in required else []), *(["secret"] if spec.get("secret") else [])]
            default = json.dumps(spec["default"]) if "default" in spec else ""
            description = _cell(spec.get("description", "")) + (f" ({', '.join(flags)})" if flags else "")
            parts.append(f"| `{name}` | {_cell(_type(spec))} | {_cell(default)} | {description} |")
    return "\n".join(parts) + "\n"


def main(project_root: Path, check: bool) -> int:
    target = project_root / "docs" / "configuration.md"
    text = render([about(tap) for tap in TAPS])
    if check:
        if not target.exists() or target.read_text() != text:
            print(f"{target} is out of date: run `wfm-pipeline config-docs`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    print(f"wrote {target}")
    return 0
