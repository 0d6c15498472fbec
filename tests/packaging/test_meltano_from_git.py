"""A Meltano project of its own, away from this checkout, adds each tap from its Hub-style
definition (`meltano add extractor <tap> --from-ref <file>`) with a pip_url from a git
repository, tag and subdirectory (wfm-aws and the tap), installs them (uv) and runs each
against the simulated contact centre (`meltano invoke`)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from release_helpers import BIN, ROOT, TAPS, clean_env, release_tag, run, version_of
from wfm_pipeline.simulator_service import SimulatorService

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("packaging-meltano")]

MELTANO = str(BIN / "meltano")
MELTANO_YML = """\
default_environment: dev
project_id: wfm-packaging-test
send_anonymous_usage_stats: false
venv:
  backend: uv
environments:
- name: dev
plugins: {}
"""


def hub_definitions():
    spec = importlib.util.spec_from_file_location("hub_definitions", ROOT / "plugins" / "hub_definitions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def git_definitions(repo: Path, tag: str, out: Path) -> dict[str, Path]:
    """The committed definitions (test_wheels.py checks them against `--about`) with the pip_url
    that installs from `repo` at `tag`, as `hub_definitions.py --git URL --ref TAG` writes it."""
    generator = hub_definitions()
    paths = {}
    for tap in TAPS:
        plugin = yaml.safe_load((ROOT / "plugins" / "extractors" / generator.file_name(tap)).read_text())
        plugin["pip_url"] = generator.pip_url(tap, repo.as_uri(), tag)
        paths[tap] = out / generator.file_name(tap)
        paths[tap].write_text(generator.render(plugin))
    return paths


def singer_messages(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_meltano_adds_each_tap_from_git_and_runs_it_against_the_simulator(tagged_repo, tmp_path):
    tag = release_tag()
    project = tmp_path / "project"
    project.mkdir()
    (project / "meltano.yml").write_text(MELTANO_YML)
    definitions = git_definitions(tagged_repo, tag, tmp_path)
    env = clean_env(MELTANO_SEND_ANONYMOUS_USAGE_STATS="false")

    phase = time.monotonic()
    for tap, definition in definitions.items():
        run([MELTANO, "add", "extractor", tap, "--from-ref", str(definition), "--no-install"], cwd=project, env=env)
    plugins = {p["name"]: p for p in yaml.safe_load((project / "meltano.yml").read_text())["plugins"]["extractors"]}
    for tap in TAPS:
        assert plugins[tap]["pip_url"] == f"git+{tagged_repo.as_uri()}@{tag}#subdirectory=libs/wfm-aws " \
                                          f"git+{tagged_repo.as_uri()}@{tag}#subdirectory={tap}"
        secrets = {s["name"] for s in plugins[tap]["settings"] if s.get("sensitive")}
        assert {"aws_secret_access_key", "proxy_password"} <= secrets
    print(f"meltano add: {time.monotonic() - phase:.1f} s")
    phase = time.monotonic()
    run([MELTANO, "install"], cwd=project, env=env, timeout=300)
    print(f"meltano install (both taps from git): {time.monotonic() - phase:.1f} s")
    phase = time.monotonic()

    for tap in TAPS:  # the tag's version, wfm-aws from the repository's subdirectory
        venv_python = str(project / ".meltano" / "extractors" / tap / "venv" / "bin" / "python")
        versions = run([venv_python, "-c", "import importlib.metadata as m; "
                        f"print(m.version('{tap}'), m.version('wfm-aws'))"], cwd=tmp_path).stdout.split()
        assert versions == [version_of(tag)] * 2, (tap, versions)

    with SimulatorService(tmp_path / "simulator.log", history_days=0.02, backlog_hours=0.25, agents=6,
                          seed=5) as endpoints:
        start = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        tap_env = {**env, **endpoints.tap_env(start, live_seconds=5),
                   "TAP_AMAZON_CONNECT__SELECT": json.dumps(["instances.*", "queues.*", "agent_statuses.*"]),
                   "TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP": "true",
                   "TAP_CONNECT_KINESIS_MESSAGE_FORMAT": "record",
                   "TAP_CONNECT_KINESIS_DEAD_LETTER_PATH": str(tmp_path / "dead-letters.jsonl")}
        invocations = {tap: subprocess.Popen([MELTANO, "invoke", tap], cwd=project, env=tap_env,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                       for tap in TAPS}
        outputs = {}
        for tap, process in invocations.items():
            stdout, stderr = process.communicate(timeout=180)
            assert process.returncode == 0, (tap, stderr[-3000:])
            outputs[tap] = singer_messages(stdout)

    print(f"versions, simulator, meltano invoke: {time.monotonic() - phase:.1f} s")
    records = Counter(m["stream"] for m in outputs["tap-amazon-connect"] if m["type"] == "RECORD")
    assert records["queues"] > 0 and records["agent_statuses"] > 0, records
    assert {m["record"]["instance_id"] for m in outputs["tap-amazon-connect"]
            if m["type"] == "RECORD" and m["stream"] == "instances"} == {i for i, _ in endpoints.instances}
    events = [m["record"] for m in outputs["tap-connect-kinesis"]
              if m["type"] == "RECORD" and m["stream"] == "agent_events"]
    assert events and len({e["event_id"] for e in events}) == len(events)
    assert any(m["type"] == "STATE" for m in outputs["tap-connect-kinesis"])
