"""Runs Meltano commands for the main job: one log file per step, one line per step on screen.

On a terminal the step's line is live (seconds so far, or what the step reports: events
collected, time left); when stdout is not a terminal (a pipe, a CI log) the output is plain
lines without control characters, a progress line now and then for a step that reports one.
The plugins' own output goes to the log files, without colour codes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

# Colour off for what the plugins write to the log files (dbt colours by default).
PLAIN_OUTPUT_ENV = {"DBT_USE_COLORS": "false", "DBT_USE_COLORS_FILE": "false", "NO_COLOR": "1"}
TICK_S = 1.0  # a terminal's live line is redrawn this often
PLAIN_EVERY_S = 15.0  # without a terminal, a progress line this often


class StepFailed(RuntimeError):
    pass


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class MeltanoRunner:
    def __init__(self, project_root: Path, log_dir: Path, env: Mapping[str, str], environment: str,
                 terminal: bool | None = None):
        self.project_root = project_root
        self.log_dir = log_dir
        self.env = dict(env)
        self.environment = environment
        self.meltano = shutil.which("meltano", path=str(Path(sys.executable).parent)) or "meltano"
        self.terminal = is_terminal() if terminal is None else terminal

    def step(self, title: str, *args: str, extra_env: Mapping[str, str] | None = None,
             progress: Callable[[float], str] | None = None, stdin: Path | None = None,
             own_group: bool = False) -> float:
        """Run `meltano --environment E ARGS`, or stop the job with the log's tail. `progress`
        (seconds so far → a short text) says how the step is going; `stdin`: a file to feed the
        command (Singer messages for a loader); `own_group`: in a process group of its own, all
        of it (meltano and the plugin it runs) killed when this process is interrupted, so no
        plugin goes on writing after the step. Returns the seconds taken."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{len(list(self.log_dir.glob('*.log'))) + 1:02d}-{args[0]}.log"
        started = time.monotonic()
        plain_progress = progress is not None and not self.terminal
        print(f"  {title} ...", end="\n" if plain_progress else "", flush=True)
        env = {**os.environ, **self.env, **(extra_env or {}), **PLAIN_OUTPUT_ENV,
               "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
        with log_path.open("w") as log, contextlib.ExitStack() as files:
            source = files.enter_context(stdin.open("rb")) if stdin else None
            process = subprocess.Popen(
                [self.meltano, "--environment", self.environment, *args],
                cwd=self.project_root, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=source,
                start_new_session=own_group,
            )
            try:
                returncode = self._wait(process, title, started, progress)
            except BaseException:  # Ctrl-C: the step ends with the job
                if own_group:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                process.kill()
                process.wait()
                raise
        elapsed = time.monotonic() - started
        if self.terminal:
            print(f"\r\033[K  {title} ...", end="")
        outcome = f"FAILED after {elapsed:.0f} s" if returncode != 0 else f"done in {elapsed:.0f} s"
        print(f"    {outcome}" if plain_progress else f" {outcome}", flush=True)
        if returncode != 0:
            tail = log_path.read_text().splitlines()[-25:]
            raise StepFailed(f"{title} failed; the end of {log_path}:\n" + "\n".join(tail))
        return elapsed

    def _wait(self, process: subprocess.Popen, title: str, started: float,
              progress: Callable[[float], str] | None) -> int:
        next_plain = started + PLAIN_EVERY_S
        while True:
            try:
                return process.wait(timeout=TICK_S)
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.monotonic() - started
            if self.terminal:
                status = progress(elapsed) if progress else f"{elapsed:.0f} s"
                print(f"\r\033[K  {title} ... {status}", end="", flush=True)
            elif progress is not None and time.monotonic() >= next_plain:
                print(f"    {elapsed:.0f} s: {progress(elapsed)}", flush=True)
                next_plain += PLAIN_EVERY_S
