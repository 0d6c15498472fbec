"""Run one dbt command every PERIOD seconds in a single, warm process.

    python transform/scripts/dbt_every.py --command "build --selector adherence" [--period 60] [--cycles N]

A `dbt` process spends 5-7 s importing dbt and parsing the project before it runs a model,
more than the adherence marts' incremental run itself. This loop pays that once: it parses
the project, then invokes the command with that manifest every period (runs never
overlap; a run longer than the period is followed by the next at once).

It runs in the dbt plugin's environment (Meltano: `meltano invoke dbt-postgres:refresh-adherence`,
to which further options can be appended, e.g. `--cycles 1`) and needs nothing but dbt-core
and the adapter.
- After each run it touches $WFM_LOOP_HEALTH_FILE (default /tmp/wfm/loop.alive), as
  docker/every.sh does, for the liveness probe.
- A failed run is logged and the next one is tried; `--max-failures N` consecutive
  failures end the loop with status 1, as does a failed last run of `--cycles N`.
- SIGTERM/SIGINT: the run in hand finishes, then the loop ends with status 0.
- The manifest is parsed once: restart the loop after changing the project or its vars.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger("dbt_every")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--period", type=float, default=60.0, help="seconds between run starts (default 60)")
    parser.add_argument("--cycles", type=int, default=0, help="stop after this many runs (default: never)")
    parser.add_argument("--max-failures", type=int, default=0,
                        help="end with status 1 after this many failed runs in a row (default: never)")
    parser.add_argument("--command", required=True, help='the dbt command, e.g. "build --selector adherence"')
    args = parser.parse_args(argv)
    args.dbt_args = shlex.split(args.command)
    if not args.dbt_args:
        parser.error('give the dbt command, e.g. --command "build --selector adherence"')
    if args.period <= 0:
        parser.error("--period must be positive")
    return args


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


class Loop:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.stopping = threading.Event()
        self.health = Path(os.environ.get("WFM_LOOP_HEALTH_FILE", "/tmp/wfm/loop.alive"))

    def stop(self, signum: int, _frame) -> None:
        log.info("signal %s: finishing the run in hand, then stopping", signal.Signals(signum).name)
        self.stopping.set()

    def run(self) -> int:
        from dbt.cli.main import dbtRunner

        started = time.monotonic()
        parsed = dbtRunner().invoke(["parse", *self.project_args()])
        if not parsed.success:
            log.error("dbt parse failed: %s", parsed.exception)
            return 1
        runner = dbtRunner(manifest=parsed.result)
        log.info("parsed the project in %.1f s; running `dbt %s` every %g s",
                 time.monotonic() - started, " ".join(self.args.dbt_args), self.args.period)
        failures = cycles = 0
        next_start = time.time()
        while not self.stopping.is_set():
            began = time.monotonic()
            result = runner.invoke([*self.args.dbt_args, *self.project_args()])
            cycles += 1
            elapsed = time.monotonic() - began
            if result.success:
                failures = 0
                log.info("run %d succeeded in %.1f s", cycles, elapsed)
                touch(self.health)
            else:
                failures += 1
                log.error("run %d failed in %.1f s (%d in a row): %s", cycles, elapsed, failures,
                          result.exception or "see dbt's output above")
                if self.args.max_failures and failures >= self.args.max_failures:
                    return 1
            if self.args.cycles and cycles >= self.args.cycles:
                return 1 if failures else 0
            next_start = max(next_start + self.args.period, time.time())
            self.stopping.wait(next_start - time.time())
        return 0

    @staticmethod
    def project_args() -> list[str]:
        """The project and profiles: DBT_PROJECT_DIR / DBT_PROFILES_DIR (as Meltano sets
        them), else this script's project."""
        project = os.environ.get("DBT_PROJECT_DIR") or str(Path(__file__).resolve().parents[1])
        profiles = os.environ.get("DBT_PROFILES_DIR") or project
        return ["--project-dir", project, "--profiles-dir", profiles]


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    loop = Loop(parse_args(sys.argv[1:] if argv is None else argv))
    signal.signal(signal.SIGTERM, loop.stop)
    signal.signal(signal.SIGINT, loop.stop)
    return loop.run()


if __name__ == "__main__":
    sys.exit(main())
