"""Catch-up: a backlog of agent events through `meltano run` into PostgreSQL, end to end.

    .venv/bin/python benchmarks/catchup.py                     # 5,000 agents, 2 hours of backlog, 8 shards
    .venv/bin/python benchmarks/catchup.py --agents 500 --hours 1 --write-docs

The simulated centre (`connect-sim serve`, real time after its history) puts the last
`--hours` of its agents' events into a local Kinesis (moto, inside the simulator's process)
before it opens; the benchmark reads the stream back with boto3 (the events that must be loaded).
Then this project's `meltano run tap-connect-kinesis target-postgres` (meltano.yml as shipped:
BATCH messages; stop_when_caught_up) reads the stream into a database of its own, once for
each design (DESIGNS, side by side on the same backlog: as shipped, the loader COPYing into its
temporary table, the tap leaving the snapshots out of the rows and declaring `contacts` a JSON
array, stored as one jsonb value; as before, `contacts` declared an array of objects, stored as
jsonb[]; and as on 2026-12-03, both snapshots kept whole too). Measured, for each run:
  wall       from the `meltano run` command's start to its end (Meltano's and the plugins'
             start-up, reading, decoding, batch files, loading, the final state included)
  events/s   distinct agent events in raw.agent_events ÷ wall
  CPU        user + sys of the run (meltano, the tap, the target), of PostgreSQL (the whole
             server: other databases' queries are sampled and reported) and of the simulator
             (moto answering GetRecords), in seconds and % of one core; the pipeline's CPU
             per event is the run's and PostgreSQL's (what a user's machines pay; Kinesis is
             AWS's)
Then the guarantees: a second run from the first's state reads only what arrived since (no
event loaded twice: count = count distinct), after which every event id read back is in
raw.agent_events (nothing lost).

A day of 5,000 agents is about 1.7 million events of 5.7 kB (10 GB of records): moto keeps the
stream in one Python process's memory, so the benchmark reads a shorter backlog and gives its
rate. On AWS, Kinesis bounds a catch-up before the pipeline does: "each shard can read up to
2 MiB per second" (GetRecords, Kinesis API reference; an enhanced fan-out consumer gets the same
2 MiB/s per shard), so 8 shards give 16 MiB/s: about 2,900 events/s of 5.7 kB (the simulator's
events) or 6,400 of 2.6 kB, whatever reads them; a faster catch-up needs more shards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import boto3
from botocore.config import Config
from deployment import (
    MELTANO,
    ROOT,
    Deployment,
    OtherDatabases,
    TreeCpu,
    log,
    replace_docs_section,
    unclean_note,
)
from wfm_pipeline.simulator_service import REGION, SimulatorService

from connect_sim.kinesis.readback import read_stream

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Catch-up: a backlog through `meltano run` into PostgreSQL"
PLUGINS = ("tap-connect-kinesis", "target-postgres")


# The pipeline's designs, measured side by side on the same backlog: the shipped settings first,
# then the ones they replaced (each a design's settings, as Meltano's environment variables).
# INSERT instead of COPY (use_copy false), replaced on 2026-12-03: docs/benchmarks.md.
# Until 2026-12-04 tap-connect-kinesis declared `contacts` an array of objects, which
# target-postgres stores as jsonb[]; the catalog's schema (Meltano's `schema` extra) gives the
# tap that declaration back.
EARLIER_CONTACTS = json.dumps({"agent_events": {"contacts": {
    "type": ["array", "null"], "items": {"type": "object", "properties": {}, "additionalProperties": True}}}})
SHIPPED = "COPY, snapshots left out, contacts one jsonb (shipped)"
DESIGNS = {
    SHIPPED: {"TARGET_POSTGRES_USE_COPY": "true", "TAP_CONNECT_KINESIS_AGENT_SNAPSHOTS": "none"},
    "COPY, snapshots left out, contacts jsonb[] (before)": {
        "TARGET_POSTGRES_USE_COPY": "true", "TAP_CONNECT_KINESIS_AGENT_SNAPSHOTS": "none",
        "TAP_CONNECT_KINESIS__SCHEMA": EARLIER_CONTACTS},
    "COPY, both snapshots kept, contacts jsonb[] (2026-12-03)": {
        "TARGET_POSTGRES_USE_COPY": "true", "TAP_CONNECT_KINESIS_AGENT_SNAPSHOTS": "both",
        "TAP_CONNECT_KINESIS__SCHEMA": EARLIER_CONTACTS},
}


@dataclass(frozen=True)
class Backlog:
    """What every design catches up on: the simulated centre's size and the events in its stream."""
    agents: int
    shards: int
    hours: float
    event_ids: frozenset[str]


@dataclass
class Result:
    agents: int
    shards: int
    hours: float
    design: str
    events: int = 0
    wall_s: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)
    second_run_events: int = 0
    duplicates: int = 0
    lost: int = 0
    in_stream: int = 0
    others_busy: float = 0.0
    load: str = ""
    contacts_type: str = ""  # raw.agent_events.contacts as the loader made it: the design ran as meant

    @property
    def rate(self) -> float:
        return self.events / self.wall_s if self.wall_s else 0.0


def timed_run(deployment: Deployment, env: dict[str, str], meters: dict[str, TreeCpu] | None = None,
              ) -> tuple[float, dict[str, float]]:
    """The catch-up run to its end: wall seconds, CPU seconds per component."""
    before = {name: meter.seconds() for name, meter in (meters or {}).items()}
    started = time.monotonic()
    run = deployment.start("catch-up", env, "run", "tap-connect-kinesis", "target-postgres")
    meters = {**(meters or {}), "meltano run (tap, target)": TreeCpu(run.pid)}
    run_cpu = 0.0
    while run.poll() is None:  # the run's tree, read until it ends (children's times go to meltano)
        run_cpu = max(run_cpu, meters["meltano run (tap, target)"].seconds())
        time.sleep(0.5)
    wall = time.monotonic() - started
    if run.returncode:
        raise SystemExit(f"the catch-up run failed ({run.returncode}):\n"
                         + "\n".join(deployment.log_text("catch-up").splitlines()[-30:]))
    cpu = {name: meter.seconds() - before[name] for name, meter in meters.items() if name in before}
    cpu["meltano run (tap, target)"] = run_cpu
    del deployment.processes["catch-up"]
    return wall, cpu


def catch_up(design: str, settings: dict[str, str], service: SimulatorService, endpoints, backlog: Backlog,
             tmp: Path) -> Result:
    """One design's catch-up of the whole backlog into a database of its own, then its guarantees."""
    agents = backlog.agents
    result = Result(agents, backlog.shards, backlog.hours, design, in_stream=len(backlog.event_ids))
    work = tmp / f"design-{list(DESIGNS).index(design)}"
    work.mkdir()
    with Deployment(f"catchup_{agents}", work) as deployment:
        env = deployment.env(endpoints, TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP="true", **settings)
        meters = {"PostgreSQL": TreeCpu(deployment.postmaster_pid()), "simulator (moto)": TreeCpu(service.pid)}
        others = OtherDatabases(deployment.connect)
        others.start()
        load_before = os.getloadavg()[0]
        log(f"[{agents} agents, {design}] meltano run tap-connect-kinesis target-postgres (catch-up)")
        result.wall_s, result.cpu_s = timed_run(deployment, env, meters)
        others.stop()
        result.others_busy, result.load = others.busy_share, f"{load_before:.1f}–{os.getloadavg()[0]:.1f}"
        with deployment.connect() as connection:
            result.events = connection.execute("select count(distinct event_id) from raw.agent_events").fetchone()[0]
            result.contacts_type = connection.execute(
                "select format_type(atttypid, atttypmod) from pg_attribute "
                "where attrelid = 'raw.agent_events'::regclass and attname = 'contacts'").fetchone()[0]
        log(f"[{agents} agents, {design}] {result.events:,} events in {result.wall_s:.1f} s: "
            f"{result.rate:,.0f} events/s")
        log(f"[{agents} agents, {design}] a second run from the first's state")
        timed_run(deployment, env)
        with deployment.connect() as connection:
            total, distinct = connection.execute(
                "select count(*), count(distinct event_id) from raw.agent_events").fetchone()
            loaded = {row[0] for row in connection.execute("select event_id from raw.agent_events")}
        result.second_run_events, result.duplicates = distinct - result.events, total - distinct
        result.lost = len(backlog.event_ids - loaded)
    return result


def backlog_service(agents: int, hours: float, work: Path, live: bool = True) -> tuple[int, SimulatorService]:
    """The simulated centre with `hours` of its agents' events in Kinesis when it opens; its shards.
    Not `live`: its clock all but stopped once it opens (a simulated second in 11 days), so that
    the stream holds the backlog only and every read of it gives the same events."""
    shards = 8 if agents >= 2000 else 2
    log(f"[{agents} agents] the simulated centre puts {hours:g} h of agent events into Kinesis ({shards} shards)")
    return shards, SimulatorService(work / "simulator.log", history_days=max(0.25, hours / 24 + 0.05),
                                    backlog_hours=hours, agents=agents, seed=5, shards=shards, start_timeout_s=3600,
                                    speed=1.0 if live else 1e-6)


def measure(agents: int, hours: float) -> list[Result]:
    """Every design's catch-up of the same backlog, in turn."""
    with tempfile.TemporaryDirectory(prefix="wfm-catchup-") as tmp:
        shards, service = backlog_service(agents, hours, Path(tmp))
        with service as endpoints:
            # Read back before the catch-ups: every event in it must be loaded after a design's
            # second run (the live simulator keeps putting events, which that run reads too).
            # moto answers 500 now and then while the simulator puts the backlog: retried
            client = boto3.client("kinesis", endpoint_url=endpoints.kinesis_url, region_name=REGION,
                                  aws_access_key_id="x", aws_secret_access_key="y",
                                  config=Config(retries={"mode": "standard", "max_attempts": 10}))
            event_ids = frozenset(json.loads(record.data)["EventId"]
                                  for record in read_stream(client, endpoints.stream_name))
            backlog = Backlog(agents, shards, hours, event_ids)
            return [catch_up(design, settings, service, endpoints, backlog, Path(tmp))
                    for design, settings in DESIGNS.items()]


def table(results: list[Result]) -> str:
    lines = ["| agents (shards) | backlog | design | contacts column | events loaded | wall | events/s "
             "| CPU: meltano run (tap, target) | PostgreSQL | pipeline CPU per event (run + PostgreSQL) "
             "| simulator (moto) | second run | loaded twice | lost | load average |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r.cpu_s
        run, pg = c["meltano run (tap, target)"], c["PostgreSQL"]
        lines.append(
            f"| {r.agents:,} ({r.shards}) | {r.hours:g} h | {r.design} | {r.contacts_type} | {r.events:,} | "
            f"{r.wall_s:.1f} s | "
            f"{r.rate:,.0f} | {run:.0f} s ({100 * run / r.wall_s:.0f} %), {1e6 * run / r.events:.0f} µs/event | "
            f"{pg:.0f} s ({100 * pg / r.wall_s:.0f} %), {1e6 * pg / r.events:.0f} µs/event | "
            f"**{1e6 * (run + pg) / r.events:.0f} µs/event** | "
            f"{c['simulator (moto)']:.0f} s ({100 * c['simulator (moto)'] / r.wall_s:.0f} %) | "
            f"{r.second_run_events:,} new | {r.duplicates} | {r.lost} of {r.in_stream:,} | {r.load} |")
    lines += unclean_note({f"{r.agents:,}-agent {r.design} run": r.others_busy for r in results})
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[5000])
    parser.add_argument("--hours", type=float, default=2.0, help="hours of agent events in the backlog")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    subprocess.run([MELTANO, "install", *PLUGINS], cwd=ROOT, check=True, capture_output=True)
    results = [result for agents in args.agents for result in measure(agents, args.hours)]
    text = table(results)
    print(text)
    if args.write_docs:
        command = (f".venv/bin/python benchmarks/catchup.py --agents {' '.join(map(str, args.agents))} "
                   f"--hours {args.hours:g} --write-docs")
        replace_docs_section(DOCS, SECTION, (
            f"{SECTION}\n\n```bash\n{command}\n```\n\nMeasured {datetime.now():%Y-%m-%d} on {platform.machine()}, "
            f"{os.cpu_count()} cores, everything on this one machine (the simulator's moto answering GetRecords "
            f"competes with the tap, the target and PostgreSQL for the same 2 cores). What each figure includes: "
            f"the benchmark's docstring.\n\n{text}\n"))
        log(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
