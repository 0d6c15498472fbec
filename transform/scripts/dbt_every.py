"""Run one dbt command every PERIOD seconds in a single, warm process, and another one as
soon as new rows are loaded into a source.

    python transform/scripts/dbt_every.py --command "build --selector adherence" [--period 60] [--cycles N]
        [--on-load "run --selector realtime" --watch connect.agent_events [--poll 0.5]]

A `dbt` process spends 5-7 s importing dbt and parsing the project before it runs a model,
more than the adherence marts' incremental run itself. This loop pays that once: it parses
the project, then invokes the command with that manifest every period (runs never
overlap; a run longer than the period is followed by the next at once).

With `--on-load`, between the periodic runs it reads the newest load of the `--watch`
source every `--poll` seconds (`select max(<loaded_at_field>)`, the query of dbt's source
freshness, through dbt's own connection to the warehouse) and runs the on-load command as
soon as that moves: the real-time path, which brings an agent's state change into the WFM
tables within a second or two of its load instead of up to a period later. Until the
periodic command has succeeded once (a new warehouse: the collector has not created the
source table yet), a load runs the periodic command, so that everything the on-load command
reads exists. A load during a run is picked up after it (the mark is read as each run
starts). With several collectors, rows one of them collected before another's newest row
do not move the mark: they wait for the next load or the periodic run.

It runs in the dbt plugin's environment (Meltano: `meltano invoke dbt-postgres:refresh-adherence`,
to which further options can be appended, e.g. `--cycles 1`) and needs nothing but dbt-core
and the adapter.
- After each run it touches $WFM_LOOP_HEALTH_FILE (default /tmp/wfm/loop.alive), as
  docker/every.sh does, for the liveness probe.
- A failed run is logged and the next one is tried; `--max-failures N` consecutive
  failures end the loop with status 1, as does a failed last run of `--cycles N` (every run
  counts, on-load ones too).
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
    parser.add_argument("--on-load", default="",
                        help='the dbt command to run when --watch has new rows, e.g. "run --selector realtime"')
    parser.add_argument("--watch", default="",
                        help="the dbt source (source_name.table_name) whose loads trigger --on-load; "
                             "its loaded_at_field says when a row was loaded")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between reads of --watch (default 0.5)")
    args = parser.parse_args(argv)
    args.dbt_args = shlex.split(args.command)
    args.on_load_args = shlex.split(args.on_load)
    if not args.dbt_args:
        parser.error('give the dbt command, e.g. --command "build --selector adherence"')
    if args.period <= 0:
        parser.error("--period must be positive")
    if args.poll <= 0:
        parser.error("--poll must be positive")
    if bool(args.on_load_args) != bool(args.watch):
        parser.error('--on-load and --watch go together, e.g. --on-load "run --selector realtime" '
                     "--watch connect.agent_events")
    if args.watch and args.watch.count(".") != 1:
        parser.error(f"--watch {args.watch}: give the source as source_name.table_name, e.g. connect.agent_events")
    return args


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


class LoadWatch:
    """The newest load of one dbt source, read through the adapter dbt registered for its last
    run (the warehouse connection the profile defines, whatever the warehouse). The adapter is
    looked up for every read: each dbt invocation replaces it."""

    def __init__(self, manifest, source: str) -> None:
        source_name, table = source.split(".")
        node = next((n for n in manifest.sources.values() if (n.source_name, n.name) == (source_name, table)), None)
        if node is None:
            raise WatchError(f"--watch {source}: the project has no such source (sources: "
                             f"{', '.join(sorted(f'{n.source_name}.{n.name}' for n in manifest.sources.values()))})")
        if not node.loaded_at_field:
            raise WatchError(f"--watch {source}: the source has no loaded_at_field; declare it in its sources yml")
        self.source = source
        self.sql = f"select max({node.loaded_at_field}) from {node.relation_name}"
        self.adapter_type = manifest.metadata.adapter_type
        self.seen: object = None
        self.failing = False

    def mark(self) -> object:
        """The newest loaded_at_field now (None when the source is empty or not there yet)."""
        from dbt.adapters.factory import get_adapter_by_type

        adapter = get_adapter_by_type(self.adapter_type)
        try:
            with adapter.connection_named("wfm_load_watch"):
                _, table = adapter.execute(self.sql, fetch=True)
        except Exception as error:  # the loader has not created the table yet, the warehouse restarts …
            if not self.failing:
                log.warning("cannot read the newest load of %s (%s); retrying every poll",
                            self.source, str(error).splitlines()[0] if str(error) else type(error).__name__)
            self.failing = True
            return self.seen
        if self.failing:
            log.info("reading the newest load of %s again", self.source)
        self.failing = False
        return table.rows[0][0] if table.rows else None

    def before_run(self) -> None:
        """Called as a run starts: what is loaded by now, the run covers."""
        self.seen = self.mark()

    def loaded_since(self) -> bool:
        newest = self.mark()
        return newest is not None and newest != self.seen


class WatchError(Exception):
    pass


class Loop:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.stopping = threading.Event()
        self.health = Path(os.environ.get("WFM_LOOP_HEALTH_FILE", "/tmp/wfm/loop.alive"))
        self.failures = self.cycles = 0

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
        watch = None
        if self.args.watch:
            try:
                watch = LoadWatch(parsed.result, self.args.watch)
            except WatchError as error:
                log.error("%s", error)
                return 2
        log.info("parsed the project in %.1f s; running `dbt %s` every %g s%s",
                 time.monotonic() - started, " ".join(self.args.dbt_args), self.args.period,
                 f", and `dbt {' '.join(self.args.on_load_args)}` when {self.args.watch} has new rows"
                 if watch else "")
        next_start = time.time()
        built = False  # the periodic command has succeeded: what the on-load one reads exists
        while not self.stopping.is_set():
            if time.time() >= next_start:
                kind, dbt_args = "run", self.args.dbt_args
                next_start = max(next_start + self.args.period, time.time())
            elif watch is not None and watch.loaded_since():
                kind, dbt_args = ("on-load run", self.args.on_load_args) if built else ("run", self.args.dbt_args)
            else:
                wait = next_start - time.time()
                self.stopping.wait(min(wait, self.args.poll) if watch is not None else wait)
                continue
            if watch is not None:
                watch.before_run()
            succeeded = self.invoke(runner, kind, dbt_args)
            built = built or (succeeded and dbt_args is self.args.dbt_args)
            if not succeeded and self.args.max_failures and self.failures >= self.args.max_failures:
                return 1
            if self.args.cycles and self.cycles >= self.args.cycles:
                return 1 if self.failures else 0
        return 0

    def invoke(self, runner, kind: str, dbt_args: list[str]) -> bool:
        began = time.monotonic()
        result = runner.invoke([*dbt_args, *self.project_args()])
        self.cycles += 1
        elapsed = time.monotonic() - began
        if result.success:
            self.failures = 0
            log.info("%s %d succeeded in %.1f s", kind, self.cycles, elapsed)
            touch(self.health)
            return True
        self.failures += 1
        log.error("%s %d failed in %.1f s (%d in a row): %s", kind, self.cycles, elapsed, self.failures,
                  result.exception or "see dbt's output above")
        return False

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
