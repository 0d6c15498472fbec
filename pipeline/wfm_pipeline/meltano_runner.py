"""Runs Meltano commands for the main job: one log file per step, one line per step on screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path


class StepFailed(RuntimeError):
    pass


class MeltanoRunner:
    def __init__(self, project_root: Path, log_dir: Path, env: Mapping[str, str], environment: str):
        self.project_root = project_root
        self.log_dir = log_dir
        self.env = dict(env)
        self.environment = environment
        self.meltano = shutil.which("meltano", path=str(Path(sys.executable).parent)) or "meltano"

    def step(self, title: str, *args: str, extra_env: Mapping[str, str] | None = None) -> None:
        """Run `meltano --environment E ARGS`, or stop the job with the log's tail."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{len(list(self.log_dir.glob('*.log'))) + 1:02d}-{args[0]}.log"
        started = time.monotonic()
        print(f"  {title} ...", end="", flush=True)
        env = {**os.environ, **self.env, **(extra_env or {}), "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
        with log_path.open("w") as log:
            result = subprocess.run(
                [self.meltano, "--environment", self.environment, *args],
                cwd=self.project_root, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            print(f" FAILED after {elapsed:.0f} s")
            tail = log_path.read_text().splitlines()[-25:]
            raise StepFailed(f"{title} failed; the end of {log_path}:\n" + "\n".join(tail))
        print(f" done in {elapsed:.0f} s")
