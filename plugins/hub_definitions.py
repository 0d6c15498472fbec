"""MeltanoHub-style plugin definitions of both taps, generated from their own `--about`.

    .venv/bin/python plugins/hub_definitions.py            rewrite plugins/extractors/*.yml
    .venv/bin/python plugins/hub_definitions.py --check    exit 1 when they are out of date

Each file is what MeltanoHub lists for an extractor (name, variant, namespace, pip_url,
executable, capabilities, settings with kind, label, description, default and sensitive
flag), and what `meltano add extractor <name> --from-ref <file>` takes:

    meltano add extractor tap-connect-kinesis --from-ref plugins/extractors/tap-connect-kinesis--amazon-connect-wfm.yml

`--git URL --ref vX.Y.Z` writes a pip_url that installs from a git repository instead of
PyPI (wfm-aws and the tap, each from its subdirectory), e.g. to a directory of your own:

    python plugins/hub_definitions.py --git https://git.example.com/wfm.git --ref v0.2.0 --out /tmp/defs

The settings come from `--about` alone; what it cannot say (a label for the tap, keywords,
which settings are needed together) is in TAPS below.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
VARIANT = "amazon-connect-wfm"
TAPS = {
    "tap-amazon-connect": {
        "label": "Amazon Connect (WFM)",
        "keywords": ["meltano_sdk", "amazon-connect", "workforce-management"],
        # every setting is optional: no credentials is the default AWS chain, no instance_ids every instance
        "settings_group_validation": [[]],
    },
    "tap-connect-kinesis": {
        "label": "Amazon Connect agent events (Kinesis)",
        "keywords": ["meltano_sdk", "amazon-connect", "kinesis", "workforce-management"],
        "settings_group_validation": [["stream_name"], ["stream_arn"]],
    },
}
# Where each package lives in the repository (for a git pip_url).
SUBDIRECTORY = {"wfm-aws": "libs/wfm-aws", "tap-amazon-connect": "tap-amazon-connect",
                "tap-connect-kinesis": "tap-connect-kinesis"}
ACRONYMS = {"Aws": "AWS", "Arn": "ARN", "Id": "ID", "Ids": "IDs", "Url": "URL", "Api": "API", "Sts": "STS"}


def about(executable: Path) -> dict:
    result = subprocess.run([str(executable), "--about", "--format", "json"], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def _label(name: str) -> str:
    return " ".join(ACRONYMS.get(word.title(), word.title()) for word in name.split("_"))


def _json_type(spec: dict) -> str:
    types = spec.get("type", "string")
    types = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    return types[0] if types else "string"


def setting(name: str, spec: dict) -> dict:
    """One Hub setting from one JSON-schema property of `--about`: the kind carries the JSON
    type (Meltano casts environment values by it), `secret` becomes `sensitive`."""
    json_type = _json_type(spec)
    out: dict = {"name": name, "label": spec.get("title") or _label(name)}
    if json_type == "string" and "enum" in spec:
        out["kind"] = "options"
        out["options"] = [{"label": str(value), "value": value} for value in spec["enum"] if value is not None]
    elif json_type == "string" and spec.get("format") in ("date-time", "date"):
        out["kind"] = "date_iso8601"
    else:
        # number: integer, as MeltanoHub's own generator does; Meltano 4.4's `decimal` kind
        # makes the default a Decimal that `meltano invoke` cannot write as JSON (it fails)
        out["kind"] = {"number": "integer"}.get(json_type, json_type)
    if spec.get("description"):
        out["description"] = " ".join(spec["description"].split())
    if spec.get("default") is not None:
        out["value"] = spec["default"]
    if spec.get("secret"):
        out["sensitive"] = True
    return out


def pip_url(name: str, git: str | None, ref: str | None) -> str:
    if not git:
        return name  # PyPI: wfm-aws comes as its dependency
    at = f"@{ref}" if ref else ""
    return " ".join(f"git+{git}{at}#subdirectory={SUBDIRECTORY[package]}" for package in ("wfm-aws", name))


def definition(info: dict, git: str | None = None, ref: str | None = None, repo: str | None = None) -> dict:
    name = info["name"]
    extra = TAPS[name]
    plugin: dict = {
        "name": name,
        "variant": VARIANT,
        "label": extra["label"],
        "description": info.get("description", ""),
        "namespace": name.replace("-", "_"),
        "pip_url": pip_url(name, git, ref),
        "executable": name,
    }
    if repo:
        plugin["repo"] = repo
        plugin["docs"] = f"{repo.rstrip('/')}/blob/main/{SUBDIRECTORY[name]}/README.md"
    plugin["capabilities"] = sorted(info.get("capabilities", []))
    plugin["supported_python_versions"] = info.get("supported_python_versions", [])
    plugin["keywords"] = extra["keywords"]
    plugin["settings_group_validation"] = extra["settings_group_validation"]
    plugin["settings"] = [setting(key, spec) for key, spec in info["settings"]["properties"].items()]
    return plugin


def render(plugin: dict) -> str:
    header = ("# Generated from `" + plugin["name"] + " --about` by plugins/hub_definitions.py; do not edit by hand.\n"
              "# meltano add extractor " + plugin["name"] + " --from-ref <this file>\n")
    return header + yaml.safe_dump(plugin, sort_keys=False, allow_unicode=True, width=100)


def file_name(name: str) -> str:
    return f"{name}--{VARIANT}.yml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a file is out of date")
    parser.add_argument("--bin", type=Path, default=Path(sys.executable).parent,
                        help="directory of the tap executables (default: this Python's)")
    parser.add_argument("--out", type=Path, default=HERE / "extractors")
    parser.add_argument("--git", help="pip_url from this git repository URL instead of PyPI")
    parser.add_argument("--ref", help="the git tag or commit of --git")
    parser.add_argument("--repo", help="the repository's web address (repo and docs fields)")
    args = parser.parse_args(argv)

    stale = []
    for name in TAPS:
        text = render(definition(about(args.bin / name), args.git, args.ref, args.repo))
        path = args.out / file_name(name)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print("out of date (run plugins/hub_definitions.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
