"""put_record → the agent's state in the WFM tables, under steady load, as deployed.

    .venv/bin/python benchmarks/realtime_latency.py                      # 500 and 5,000 agents, 300 s each
    .venv/bin/python benchmarks/realtime_latency.py --agents 500 --seconds 120
    .venv/bin/python benchmarks/realtime_latency.py --write-docs

For each agent count: the simulated contact centre (`connect-sim serve`, real time, agent
events put into a local Kinesis as they happen: 2 shards for 500 agents, 8 for 5,000), a
database of its own on the PostgreSQL at 127.0.0.1:5432, and this project's own Meltano
(`--environment dev`):
  config      `meltano run tap-amazon-connect-config target-postgres` (once, before)
  collector   `meltano run wfm-adherence` (tap-connect-kinesis → target-postgres), continuous,
              collection interval `--interval` (5 s)
  marts loop  `meltano invoke dbt-postgres:refresh-adherence` (transform/scripts/dbt_every.py):
              the adherence build every 60 s, the realtime selection as soon as events load
Two designs, one after the other on the same deployment: the real-time path as shipped, and
the previous design, the same loop without its on-load runs (`refresh-adherence --on-load ""
--watch ""`: the adherence build every minute). For each, after the loop's first build (and
the collector's catch-up), for `--seconds` a watcher
(wfm_pipeline.state_freshness) polls wfm_agent_state_transaction and wfm_agent_current_state
every 0.25 s; each state change's latency is when its row first shows minus its Kinesis
ApproximateArrivalTimestamp (stamped when put_record is accepted). The resolution is the
poll (0.25 s).

CPU (user + sys, % of one core over the measured window) per component, each with every
process it starts: the collector (meltano, the tap, the target), the marts loop (meltano,
dbt), PostgreSQL (every server process, backends that ended included: the postmaster's
children times), the simulator. PostgreSQL's figure includes the loader's writes and the
watcher's polls (about 8 small queries a second). The freshness cost the issue bounds is the
marts loop plus PostgreSQL; what the real time adds is that figure minus the previous
design's, measured on the same deployment.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
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
from wfm_pipeline.simulator_service import SimulatorService
from wfm_pipeline.state_freshness import Latencies, StateWatcher, arrival_times

PLUGINS = ("tap-amazon-connect-config", "tap-connect-kinesis", "target-postgres", "dbt-postgres")
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Real-time WFM tables: put_record → agent state tables"


# The designs measured side by side on the same deployment, one window each: the real-time
# path as shipped, and the previous design (the adherence build every minute, no on-load run).
DESIGNS = {"real time (on load)": (),
           "every minute (before)": ("--on-load", "", "--watch", "")}


@dataclass
class Result:
    agents: int
    shards: int
    seconds: float
    design: str = ""
    events: int = 0
    latencies: list[Latencies] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # % of one core
    on_load_runs: int = 0
    on_load_mean_s: float = 0.0
    periodic_runs: int = 0
    periodic_mean_s: float = 0.0
    load: str = ""
    others_busy: float = 0.0  # share of samples with a query of another database running


def caught_up(deployment: Deployment) -> bool:
    """The newest loaded event arrived in Kinesis less than 30 s ago."""
    try:
        with deployment.connect() as connection:
            lag = connection.execute("select extract(epoch from now() - max(approximate_arrival_timestamp)) "
                                     "from raw.agent_events").fetchone()[0]
    except psycopg.Error:
        return False
    return lag is not None and lag < 30


def loop_runs(text: str, since: datetime) -> tuple[list[float], list[float]]:
    """Durations of the marts loop's periodic and on-load runs logged after `since`."""
    periodic, on_load = [], []
    for stamp, kind, seconds in re.findall(
            r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) dbt_every INFO (run|on-load run) \d+ succeeded in ([\d.]+) s",
            text):
        if datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f") >= since:
            (on_load if kind == "on-load run" else periodic).append(float(seconds))
    return periodic, on_load


def measure(agents: int, seconds: float, interval: int) -> list[Result]:
    shards = 8 if agents >= 2000 else 2
    results = []
    with tempfile.TemporaryDirectory(prefix="wfm-realtime-") as tmp, \
            Deployment(f"realtime_{agents}", Path(tmp)) as deployment:
        log(f"[{agents} agents] starting the simulated centre ({shards} shards)")
        service = SimulatorService(Path(tmp) / "simulator.log", history_days=0.25, backlog_hours=0.05,
                                   agents=agents, seed=7, shards=shards, start_timeout_s=1800)
        with service as endpoints:
            env = deployment.env(endpoints, TAP_CONNECT_KINESIS_STOP_WHEN_CAUGHT_UP="false",
                                 TAP_CONNECT_KINESIS_COLLECTION_INTERVAL_SECONDS=str(interval))
            log(f"[{agents} agents] configuration (tap-amazon-connect-config)")
            deployment.meltano(env, "run", "tap-amazon-connect-config", "target-postgres")
            deployment.start("collector", env, "run", "wfm-adherence")
            deployment.wait_for(lambda: caught_up(deployment), "catch-up of the collector", 900)
            for design, options in DESIGNS.items():
                deployment.start("loop", env, "invoke", "dbt-postgres:refresh-adherence", *options)
                deployment.wait_for(lambda: re.search(r" run \d+ succeeded", deployment.log_text("loop")),
                                    "first build of the marts loop", 1800)
                log(f"[{agents} agents] {design}: marts built, measuring for {seconds:.0f} s")
                results.append(window(deployment, service.pid, Result(agents, shards, seconds, design), seconds))
                deployment.stop("loop")
    return results


def window(deployment: Deployment, simulator_pid: int, result: Result, seconds: float) -> Result:
    meters = {"collector": TreeCpu(deployment.processes["collector"].pid),
              "marts loop": TreeCpu(deployment.processes["loop"].pid),
              "PostgreSQL": TreeCpu(deployment.postmaster_pid()), "simulator": TreeCpu(simulator_pid)}
    watcher = StateWatcher(deployment.connect)
    watcher.start()
    others = OtherDatabases(deployment.connect)
    others.start()
    time.sleep(2)  # the watcher's first poll sees what was there before: not a state change
    started_at, since = datetime.now(), time.time()
    before = {name: meter.seconds() for name, meter in meters.items()}
    load_before = os.getloadavg()[0]
    time.sleep(seconds)
    after = {name: meter.seconds() for name, meter in meters.items()}
    elapsed = time.time() - since
    watcher.stop()
    others.stop()
    result.others_busy = others.busy_share
    result.load = f"{load_before:.1f}–{os.getloadavg()[0]:.1f}"
    result.cpu = {name: 100 * (after[name] - before[name]) / elapsed for name in meters}
    seen = set().union(*watcher.first_seen.values())
    with deployment.connect() as connection:
        arrivals = arrival_times(connection, seen)
        result.events = connection.execute(
            "select count(*) from raw.agent_events where approximate_arrival_timestamp >= to_timestamp(%s) "
            "and approximate_arrival_timestamp < to_timestamp(%s)", (since, since + elapsed)).fetchone()[0]
    result.latencies = watcher.latencies(arrivals, since)
    periodic, on_load = loop_runs(deployment.log_text("loop"), started_at)
    result.periodic_runs, result.on_load_runs = len(periodic), len(on_load)
    result.periodic_mean_s = sum(periodic) / len(periodic) if periodic else 0.0
    result.on_load_mean_s = sum(on_load) / len(on_load) if on_load else 0.0
    for latencies in result.latencies:
        log(f"[{result.agents} agents, {result.design}] {latencies.summary}")
    return result


def table(results: list[Result]) -> str:
    lines = ["| agents (shards) | design | events/s | table | state changes | p50 | p95 | p99 | max |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for latencies in r.latencies:
            row = f"| {r.agents:,} ({r.shards}) | {r.design} | {r.events / r.seconds:.1f} | {latencies.table} |"
            if not latencies.seconds:
                lines.append(f"{row} 0 | | | | |")
                continue
            lines.append(f"{row} "
                         f"{len(latencies.seconds):,} | {latencies.percentile(0.5):.2f} s | "
                         f"{latencies.percentile(0.95):.2f} s | {latencies.percentile(0.99):.2f} s | "
                         f"{latencies.seconds[-1]:.2f} s |")
    lines += ["", "| agents | design | collector | marts loop (dbt) | PostgreSQL | loop + PostgreSQL | what the "
              "real time adds (same deployment) | simulator | on-load runs (mean) | periodic runs (mean) | load average |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    both = {(r.agents, r.design): r.cpu["marts loop"] + r.cpu["PostgreSQL"] for r in results}
    before = list(DESIGNS)[1]
    for r in results:
        c = r.cpu
        refresh = c["marts loop"] + c["PostgreSQL"]
        added = (f"{refresh - both[(r.agents, before)]:+.0f} %" if r.design != before and (r.agents, before) in both
                 else "")
        lines.append(f"| {r.agents:,} | {r.design} | {c['collector']:.0f} % | {c['marts loop']:.0f} % | "
                     f"{c['PostgreSQL']:.0f} % | {refresh:.0f} % | {added} | {c['simulator']:.0f} % | "
                     f"{r.on_load_runs} ({r.on_load_mean_s:.1f} s) | {r.periodic_runs} ({r.periodic_mean_s:.1f} s) | "
                     f"{r.load} |")
    lines += unclean_note({f"{r.agents:,}-agent {r.design} window": r.others_busy for r in results})
    return "\n".join(lines)


def write_docs(text: str, args: argparse.Namespace) -> None:
    command = ".venv/bin/python benchmarks/realtime_latency.py " + " ".join(
        ["--agents", *map(str, args.agents), "--seconds", f"{args.seconds:g}", "--interval", str(args.interval)])
    body = (f"{SECTION}\n\n```bash\n{command} --write-docs\n```\n\n"
            f"Measured {datetime.now():%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} cores; the whole "
            f"deployment on this one machine (simulator, collector, marts loop, PostgreSQL). Latency: Kinesis "
            f"arrival (put_record accepted) to the row first seen (polled every 0.25 s). CPU: % of one core over "
            f"the measured {args.seconds:g} s, each component with every process it starts (see the "
            f"benchmark's docstring for what each includes).\n\n{text}\n")
    replace_docs_section(DOCS, SECTION, body)
    log(f"wrote {DOCS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--interval", type=int, default=5, help="the collector's collection interval (s)")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    subprocess.run([MELTANO, "install", *PLUGINS], cwd=ROOT, check=True, capture_output=True)
    results = [result for agents in args.agents for result in measure(agents, args.seconds, args.interval)]
    text = table(results)
    print(text)
    if args.write_docs:
        write_docs(text, args)


if __name__ == "__main__":
    main()
