"""Shared helpers of the deployment tests: paths, meltano.yml, the manifests."""

from __future__ import annotations

import shutil
import sys
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
KUBERNETES = ROOT / "deploy" / "kubernetes"
# The Kubernetes release the manifests are checked against: the newest whose schemas
# kubernetes-validate ships (requirements/dev.lock pins it).
KUBERNETES_VERSION = "1.37.0"
# What the image's entry point and the Kubernetes mounts promise about writable paths.
WRITABLE_PATHS = {"/tmp", "/project/.meltano/run", "/project/.meltano/logs"}
RUNTIME_UID = 10001


def tool(name: str) -> str:
    """A console script of the project's environment (next to this Python), else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed (./wfm setup installs it)")
    return found


@cache
def meltano_project() -> dict:
    return yaml.safe_load((ROOT / "meltano.yml").read_text())


def meltano_jobs() -> set[str]:
    return {job["name"] for job in meltano_project()["jobs"]}


def meltano_command(plugin: str, command: str) -> str:
    """The arguments of a utility's command in meltano.yml (KeyError when it has none)."""
    (utility,) = [u for u in meltano_project()["plugins"]["utilities"] if u["name"] == plugin]
    return utility["commands"][command]["args"]


def meltano_schedules() -> dict[str, str]:
    """job name → cron interval."""
    return {s["job"]: s["interval"] for s in meltano_project()["schedules"]}


def manifest_files() -> list[Path]:
    return sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def all_resources() -> list[dict]:
    return [d for p in manifest_files() for d in documents(p)]


def pod_spec(resource: dict) -> dict:
    kind = resource["kind"]
    if kind == "CronJob":
        return resource["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if kind in ("Deployment", "StatefulSet", "Job"):
        return resource["spec"]["template"]["spec"]
    raise ValueError(kind)


def workloads() -> list[dict]:
    return [r for r in all_resources() if r["kind"] in ("CronJob", "Deployment", "StatefulSet", "Job")]


def by_name(name: str) -> dict:
    (found,) = [r for r in all_resources() if r["metadata"]["name"] == name and r["kind"] != "ConfigMap"]
    return found
