"""Catch-up: a backlog of agent events through `meltano run` into PostgreSQL, end to end.

    .venv/bin/python benchmarks/catchup.py                     # 5,000 agents, a day's backlog, 8 shards
    .venv/bin/python benchmarks/catchup.py --agents 500 --hours 1 --write-docs

The simulator writes the last `--hours` of a centre's agent events (`connect-sim generate`: a new
world that starts `--hours` ago, the documents it puts into Kinesis), and kinesis_replay.py
records them as the stream's shards would hold them and serves them to the tap over Kinesis'
protocol, from a process of its own (on AWS, Kinesis' work is not on the pipeline's machine;
moto, which the benchmark used until 2026-12-04, cost more per event than the pipeline and
cannot hold a day of 5,000 agents). Then this project's `meltano run tap-connect-kinesis
target-postgres` (meltano.yml as shipped: BATCH messages; stop_when_caught_up) reads the stream
into a database of its own, once for each design (DESIGNS, side by side on the same backlog:
`--designs`), into raw.agent_events as a deployment has it when a backlog comes in (created by
the loader, with dbt's index on collected_at). Measured, for each run:
  wall       from the `meltano run` command's start to its end (Meltano's and the plugins'
             start-up, reading, decoding, batch files, loading, the final state included)
  events/s   distinct agent events in raw.agent_events ÷ wall
  CPU        user + sys of the run (meltano, the tap, the target), of PostgreSQL (the whole
             server: other databases' queries are sampled and reported) and of the Kinesis side
             (the replay server); the pipeline's CPU per event is the run's and PostgreSQL's
             (what a user's machines pay)
Then the guarantees: a second run from the first's state reads nothing (the backlog is all there
is), no event was read twice (raw rows = distinct events: the appended design keeps a re-read
event as a row of its own, which stg_connect__agent_events drops), and every event id in the
recording is in raw.agent_events (nothing lost).

On AWS, Kinesis bounds a catch-up before the pipeline does: "each shard can read up to 2 MiB
per second" (GetRecords, Kinesis API reference; an enhanced fan-out consumer gets the same
2 MiB/s per shard), so 8 shards give 16 MiB/s: about 2,900 events/s of the simulator's 5.7 kB
events, whatever reads them; a faster catch-up needs more shards. The replay server does not
enforce that limit: the benchmark measures what the pipeline can do.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from kinesis_replay import Recording, ReplayServer
from wfm_pipeline.simulator_service import STREAM, SimulatorEndpoints

from tap_connect_kinesis.events import AGENT_EVENT_SCHEMA

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Catch-up: a backlog through `meltano run` into PostgreSQL"
PLUGINS = ("tap-connect-kinesis", "target-postgres")
KINESIS = "Kinesis side (kinesis_replay.py)"


# The pipeline's designs, measured side by side on the same backlog: the shipped settings first,
# then the ones they replaced (each a design's settings, as Meltano's environment variables).
# INSERT instead of COPY (use_copy false), replaced on 2026-12-03: docs/benchmarks.md.
# Until the evening of 2026-12-04 target-postgres upserted agent events by event_id (the stream map gives the
# loader that key back). Until that morning tap-connect-kinesis declared `contacts` an array of
# objects, which target-postgres stores as jsonb[]; the catalog's schema (Meltano's `schema`
# extra) gives the tap that declaration back.
UPSERT = json.dumps({"agent_events": {"__key_properties__": ["event_id"]}})
EARLIER_CONTACTS = {"contacts": {
    "type": ["array", "null"], "items": {"type": "object", "properties": {}, "additionalProperties": True}}}
SHIPPED = "appended, snapshots left out, contacts one jsonb (shipped)"
DESIGNS = {
    SHIPPED: {"TARGET_POSTGRES_USE_COPY": "true", "TAP_CONNECT_KINESIS_AGENT_SNAPSHOTS": "none"},
    "upserted by event_id, snapshots left out, contacts one jsonb (before)": {
        "TARGET_POSTGRES_USE_COPY": "true", "TAP_CONNECT_KINESIS_AGENT_SNAPSHOTS": "none",
        "TARGET_POSTGRES_STREAM_MAPS": UPSERT},
    "upserted, snapshots left out, contacts jsonb[] (2026-12-04)": {
        "TARGET_POSTGRES_USE_COPY": "true", "TAP_CONNECT_KINESIS_AGENT_SNAPSHOTS": "none",
        "TARGET_POSTGRES_STREAM_MAPS": UPSERT,
        "TAP_CONNECT_KINESIS__SCHEMA": json.dumps({"agent_events": EARLIER_CONTACTS})},
    "upserted, both snapshots kept, contacts jsonb[] (2026-12-03)": {
        "TARGET_POSTGRES_USE_COPY": "true", "TAP_CONNECT_KINESIS_AGENT_SNAPSHOTS": "both",
        "TARGET_POSTGRES_STREAM_MAPS": UPSERT,
        "TAP_CONNECT_KINESIS__SCHEMA": json.dumps({"agent_events": EARLIER_CONTACTS})},
}


def prepare_raw_table(deployment: Deployment, env: dict[str, str], settings: dict[str, str]) -> None:
    """raw.agent_events as a deployment has it when a backlog comes in: created by the loader
    (the tap's SCHEMA message, the design's declaration of contacts), indexed by dbt's
    on-run-start (create_raw_indexes: collected_at, which every load then maintains too)."""
    schema = copy.deepcopy(AGENT_EVENT_SCHEMA)
    schema["properties"].update(json.loads(settings.get("TAP_CONNECT_KINESIS__SCHEMA", "{}")).get("agent_events", {}))
    message = {"type": "SCHEMA", "stream": "agent_events", "schema": schema, "key_properties": ["event_id"]}
    subprocess.run([MELTANO, "--environment", "dev", "invoke", "target-postgres"], input=json.dumps(message) + "\n",
                   text=True, cwd=ROOT, env=env, check=True, capture_output=True)
    deployment.meltano(env, "invoke", "dbt-postgres", "run-operation", "create_raw_indexes")


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


def catch_up(design: str, settings: dict[str, str], kinesis_pid: int | None, endpoints, backlog: Backlog,
             tmp: Path) -> Result:
    """One design's catch-up of the whole backlog from the Kinesis at endpoints.kinesis_url (served
    by process `kinesis_pid`) into a database of its own, then its guarantees."""
    agents = backlog.agents
    result = Result(agents, backlog.shards, backlog.hours, design, in_stream=len(backlog.event_ids))
    work = tmp / f"design-{list(DESIGNS).index(design)}"
    work.mkdir()
    with Deployment(f"catchup_{agents}", work) as deployment:
        env = deployment.env(endpoints, TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP="true", **settings)
        prepare_raw_table(deployment, env, settings)
        meters = {"PostgreSQL": TreeCpu(deployment.postmaster_pid()), KINESIS: TreeCpu(kinesis_pid)}
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


def shards_for(agents: int) -> int:
    return 8 if agents >= 2000 else 2


def record_backlog(agents: int, hours: float, work: Path) -> Recording:
    """The last `hours` of a simulated centre's agent events, as its stream would hold them now."""
    start = (datetime.now(UTC) - timedelta(hours=hours)).replace(second=0, microsecond=0)
    log(f"[{agents} agents] the simulator writes {hours:g} h of agent events (connect-sim generate, from {start:%H:%M} UTC)")
    subprocess.run([str(ROOT / ".venv" / "bin" / "connect-sim"), "generate", "--agents", str(agents), "--seed", "5",
                    "--start", f"{start:%Y-%m-%dT%H:%M:%SZ}", "--hours", f"{hours:g}", "--out", str(work / "world")],
                   check=True, stdout=subprocess.DEVNULL)
    events = work / "world" / "agent_events.jsonl"
    log(f"[{agents} agents] recording them into {shards_for(agents)} shards")
    recording = Recording.from_jsonl(events, work / "recording", shards_for(agents), STREAM)
    events.unlink()
    log(f"[{agents} agents] {recording.records:,} records, {len(recording.event_ids):,} distinct events")
    return recording


def measure(agents: int, hours: float) -> list[Result]:
    """Every design's catch-up of the same recorded backlog, in turn."""
    with tempfile.TemporaryDirectory(prefix="wfm-catchup-") as tmp:
        recording = record_backlog(agents, hours, Path(tmp))
        backlog = Backlog(agents, len(recording.shards), hours, frozenset(recording.event_ids))
        recording.event_ids.clear()  # the server's process need not hold them
        with ReplayServer(recording) as replay:
            endpoints = SimulatorEndpoints(connect_url="", kinesis_url=replay.endpoint_url, stream_name=STREAM,
                                           start="", seed=5, agents=agents, time_zone="UTC", backlog_hours=hours)
            return [catch_up(design, settings, replay.pid, endpoints, backlog, Path(tmp))
                    for design, settings in DESIGNS.items()]


def table(results: list[Result]) -> str:
    lines = ["| agents (shards) | backlog | design | contacts column | events loaded | wall "
             "| events/s | CPU: meltano run (tap, target) | PostgreSQL | pipeline CPU per event (run + PostgreSQL) "
             "| Kinesis side (recording) | second run | read twice | lost | load average |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r.cpu_s
        run, pg, kinesis = c["meltano run (tap, target)"], c["PostgreSQL"], c[KINESIS]
        lines.append(
            f"| {r.agents:,} ({r.shards}) | {r.hours:g} h | {r.design} | {r.contacts_type} | "
            f"{r.events:,} | {r.wall_s:.1f} s | "
            f"**{r.rate:,.0f}** | {run:.0f} s ({100 * run / r.wall_s:.0f} %), {1e6 * run / r.events:.0f} µs/event | "
            f"{pg:.0f} s ({100 * pg / r.wall_s:.0f} %), {1e6 * pg / r.events:.0f} µs/event | "
            f"**{1e6 * (run + pg) / r.events:.0f} µs/event** | "
            f"{kinesis:.0f} s ({100 * kinesis / r.wall_s:.0f} %), {1e6 * kinesis / r.events:.0f} µs/event | "
            f"{r.second_run_events:,} new | {r.duplicates} | {r.lost} of {r.in_stream:,} | {r.load} |")
    lines += unclean_note({f"{r.agents:,}-agent {r.design} run": r.others_busy for r in results})
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[5000])
    parser.add_argument("--hours", type=float, default=2.0, help="hours of agent events in the backlog")
    parser.add_argument("--designs", nargs="+", choices=range(len(DESIGNS)), type=int, default=[0, 1],
                        help="which designs, by number: " + "; ".join(f"{n}: {d}" for n, d in enumerate(DESIGNS)))
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    subprocess.run([MELTANO, "install", *PLUGINS], cwd=ROOT, check=True, capture_output=True)
    for number, design in enumerate(list(DESIGNS)):
        if number not in args.designs:
            del DESIGNS[design]
    results = [result for agents in args.agents for result in measure(agents, args.hours)]
    text = table(results)
    print(text)
    if args.write_docs:
        command = (f".venv/bin/python benchmarks/catchup.py --agents {' '.join(map(str, args.agents))} "
                   f"--hours {args.hours:g} --write-docs")
        replace_docs_section(DOCS, SECTION, (
            f"{SECTION}\n\n```bash\n{command}\n```\n\nMeasured {datetime.now():%Y-%m-%d} on {platform.machine()}, "
            f"{os.cpu_count()} cores: {' and '.join(f'{args.hours:g} h of {agents:,} agents' for agents in args.agents)}' "
            f"events (the simulator's), served by kinesis_replay.py from a recording on disk in a process of its own "
            f"(its CPU in the table; on AWS it is Kinesis' work), read by `meltano run tap-connect-kinesis "
            f"target-postgres` into raw.agent_events as a deployment has it (dbt's index on collected_at included); "
            f"PostgreSQL on the same cores. What each figure includes: the benchmark's docstring.\n\n{text}\n"))
        log(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
