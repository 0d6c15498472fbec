"""Helpers of the packaging tests (conftest.py puts this folder on the path)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
UV = str(BIN / "uv")
PACKAGES = {"wfm-aws": "libs/wfm-aws", "tap-amazon-connect": "tap-amazon-connect",
            "tap-connect-kinesis": "tap-connect-kinesis"}
TAPS = ("tap-amazon-connect", "tap-connect-kinesis")


def wfm_aws_requirement(tap: str) -> Requirement:
    """The tap's dependency on wfm-aws, as its pyproject.toml declares it."""
    project = tomllib.loads((ROOT / PACKAGES[tap] / "pyproject.toml").read_text())["project"]
    [requirement] = [Requirement(r) for r in project["dependencies"] if Requirement(r).name == "wfm-aws"]
    return requirement


def release_tag() -> str:
    """The tag of the snapshot: in the minor series the taps' wfm-aws range takes (so a range
    that no longer fits the versions would fail here), with a patch number no hand-written
    version says (a version read from anywhere but the tag shows)."""
    lower = next(s.version for s in wfm_aws_requirement("tap-amazon-connect").specifier if s.operator == ">=")
    major, minor = Version(lower).release[:2]
    return f"v{major}.{minor}.42"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without this checkout's virtualenv, Python path, Meltano or tap settings."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MELTANO_", "TAP_", "TARGET_", "VIRTUAL_ENV"))
           and key not in ("PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")}
    # bytecode written on the first start of a tap in its new virtualenv, reused by the next ones
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != str(BIN))
    env["UV_NO_PROGRESS"] = "1"
    return {**env, **extra}


def run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120,
        check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env if env is not None else clean_env(), capture_output=True,
                            text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"{args}: {result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def snapshot_files() -> list[str]:
    """The packages' files in the working tree: tracked or new, not ignored, not deleted."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
                             *PACKAGES.values(), "LICENSE"], cwd=ROOT, capture_output=True, check=True)
    return sorted({name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()})


def git(repo: Path, *args: str) -> str:
    env = {**clean_env(), "GIT_AUTHOR_NAME": "packaging test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "packaging test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}
    return run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args], cwd=repo,
               env=env).stdout.strip()


def make_tagged_repo(repo: Path) -> Path:
    """A git repository at `repo` of the packages' folders as they are now, one commit, tagged like a release."""
    for name in snapshot_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    git(repo, "init", "--quiet", "--initial-branch", "main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "release snapshot")
    git(repo, "tag", "--annotate", "--message", "release", release_tag())
    return repo


def version_of(tag: str) -> str:
    return re.sub(r"^v", "", tag)
