"""docker/Dockerfile: hadolint-clean at every level (no ignores), and what the image promises:
a swappable base, a non-root numeric user, no secrets baked in, the plugins of meltano.yml
installed at build time, the helper scripts in place."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from deploy_files import DOCKER, ROOT, RUNTIME_UID, meltano_project, tool

DOCKERFILE = DOCKER / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_hadolint_finds_nothing():
    result = subprocess.run([tool("hadolint"), "--format", "json", "--failure-threshold", "style",
                             str(DOCKERFILE)], capture_output=True, text=True)
    findings = json.loads(result.stdout or "[]")
    assert findings == [], "\n".join(f"{f['line']}: {f['code']} {f['message']}" for f in findings)
    assert result.returncode == 0, result.stderr


def test_hadolint_is_not_silenced():
    assert "hadolint ignore" not in DOCKERFILE.read_text()
    assert not (ROOT / ".hadolint.yaml").exists()


def test_the_base_image_can_be_swapped_and_defaults_to_python_slim():
    assert ("ARG", "BASE_IMAGE=python:3.11-slim-bookworm") in instructions()
    assert ("FROM", "${BASE_IMAGE}") in instructions()


def test_it_runs_as_a_numeric_non_root_user():
    users = [args for keyword, args in instructions() if keyword == "USER"]
    assert users == [f"{RUNTIME_UID}:{RUNTIME_UID}"]


def test_no_secret_is_baked_in():
    words = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|CREDENTIAL", re.I)
    for keyword, args in instructions():
        if keyword in ("ENV", "ARG", "LABEL"):
            assert not words.search(args), args
    text = DOCKERFILE.read_text()
    # The CA bundle for pip arrives as a build secret, mounted for the step only.
    assert "--mount=type=secret,id=pipca" in text
    assert "COPY .env" not in text and "COPY . " not in text


@pytest.mark.parametrize("entry", [".venv", ".git", ".meltano", ".env", "output"])
def test_the_build_context_leaves_out_local_state(entry):
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert entry in ignored or f"**/{entry}" in ignored


def test_the_plugins_it_installs_are_the_ones_meltano_yml_defines_for_postgres():
    (plugins,) = [args for keyword, args in instructions()
                  if keyword == "ARG" and args.startswith("MELTANO_PLUGINS=")]
    names = plugins.split("=", 1)[1].strip('"').split()
    defined = {p["name"] for kind in meltano_project()["plugins"].values() for p in kind}
    assert set(names) <= defined
    assert set(names) == {"tap-amazon-connect", "tap-connect-kinesis", "target-postgres", "dbt-postgres"}
    assert "meltano install $MELTANO_PLUGINS" in DOCKERFILE.read_text()
    # The jobs of the pipeline need nothing else (inheriting plugins share their parent's venv);
    # the SQL Server jobs need an image with Microsoft's ODBC driver (docs/sqlserver.md).
    used = set()
    for job in meltano_project()["jobs"]:
        if job["name"].startswith("wfm-sqlserver-"):
            continue
        for task in job["tasks"]:
            used |= {block.split(":")[0] for block in task.split()}
    parents = {p["name"]: p.get("inherit_from", p["name"])
               for kind in meltano_project()["plugins"].values() for p in kind}
    assert {parents[u] for u in used} <= set(names)


def test_the_scripts_it_copies_exist():
    for keyword, args in instructions():
        if keyword == "COPY" and args.startswith("docker/"):
            for source in args.split()[:-1]:
                assert (ROOT / source).is_file(), source
    copied = " ".join(args for keyword, args in instructions() if keyword == "COPY")
    for script in ("entrypoint.sh", "healthcheck.sh", "every.sh", "systemdb.py", "graceful.py", "runlock.py"):
        assert f"docker/{script}" in copied


def test_the_entry_point_runs_under_an_init_that_passes_sigterm_to_meltano_only():
    (entrypoint,) = [json.loads(args) for keyword, args in instructions() if keyword == "ENTRYPOINT"]
    assert entrypoint[:3] == ["/opt/meltano/bin/dumb-init", "--single-child", "--"]
    assert entrypoint[3] == "/usr/local/bin/wfm-entrypoint"
