"""The README's main command as a new user runs it: no AWS, no database server; and again,
and again, in any minute: each run collects what is new since the last."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
import pytest

from connect_sim.config import WorldConfig, parse_utc, to_ms
from connect_sim.world import World

from .conftest import own_meltano_sys_dir

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
WFM_PIPELINE = str(Path(sys.executable).with_name("wfm-pipeline"))
ZONED = ("wfm_queue", "wfm_interval_volume", "wfm_agent_interval_activity", "wfm_adherence")
TAIL_MS = 30_000  # the newest events may still be on their way from the other shard


def _env(output: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "WFM_", "MELTANO_"))}
    env["WFM_OUTPUT_DIR"] = str(output)
    env.update(extra)
    env.pop("XDG_RUNTIME_DIR", None)  # as for root, in containers and in CI
    return env


def _run_job(output: Path, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run([WFM_PIPELINE, "run", "--live-seconds", "10", "--history-days", "1"],
                            cwd=ROOT, env=_env(output, **env), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Warning" not in result.stderr, "the main job's output carries a library's warning"
    assert "\x1b" not in result.stdout + result.stderr, "colour codes in a pipe"
    return result


def _query(output: Path, sql: str) -> list[tuple]:
    """The job's warehouse: its DuckDB file where the run made one, else its embedded PostgreSQL."""
    duckdb_file = output / "warehouse.duckdb"
    if duckdb_file.exists():
        with duckdb.connect(str(duckdb_file), read_only=True) as connection:
            return connection.execute(sql).fetchall()
    with psycopg.connect(host=str(output / "postgres"), user="postgres", dbname="wfm",
                         options="-c TimeZone=UTC") as connection:
        return connection.execute(sql).fetchall()


def _ms(value: datetime) -> int:
    return to_ms(value.replace(tzinfo=UTC) if value.tzinfo is None else value)


def _quarter(moment: datetime) -> tuple:
    return moment.year, moment.month, moment.day, moment.hour, moment.minute // 15


def _check_agent_events_are_the_worlds(output: Path) -> None:
    """Every agent event in the warehouse is one of the simulated world's, under its id; and every
    event of the world since the collection began is there: nothing lost, nothing twice."""
    seed, start, zone, agents, events_from = _query(
        output, "select seed, world_start, time_zone, agents, events_from from wfm_input.simulated_world")[0]
    loaded = {event_id: _ms(at) for event_id, at in _query(output, "select event_id, event_timestamp from raw.agent_events")}
    newest = max(loaded.values())
    world = World(WorldConfig(seed=seed, start=parse_utc(start), agents_per_instance=agents, time_zones=(zone,)))
    truth: dict[str, int] = {}
    world.add_event_sink(lambda event: truth.__setitem__(event.event_id, event.timestamp_ms))
    world.clock.set(newest)
    world.sync()
    strangers = set(loaded) - set(truth)
    assert not strangers, f"{len(strangers)} agent events the world never wrote (another world's, or duplicates)"
    window = range(to_ms(parse_utc(events_from)), newest - TAIL_MS)
    missing = {e for e, at in truth.items() if at in window} - set(loaded)
    assert not missing, f"{len(missing)} agent events of the world since {events_from} are not loaded"


@pytest.mark.timeout(900)  # three runs of the job
@pytest.mark.xdist_group("meltano-a")
def test_main_job_runs_again_and_again_collecting_what_is_new(tmp_path, installed_plugins):
    output = tmp_path / "output"
    runs, before = [], None
    try:
        for number in (1, 2, 3):
            started = datetime.now(UTC)
            out = _run_job(output).stdout
            state = {
                "events": _query(output, "select count(distinct event_id), max(event_timestamp) from raw.agent_events")[0],
                "newest_period": _query(output, "select max(state_start_at) from wfm.wfm_agent_state_transaction")[0][0],
                "newest_confirmed": _query(output, "select max(last_confirmed_at) from wfm.wfm_agent_current_state")[0][0],
                "newest_interval": _query(output, "select max(interval_start_at) from wfm.wfm_interval_volume "
                                                  "where contacts_offered > 0")[0][0],
            }
            runs.append((started, state, out))
            if number > 1:  # the tables moved forward
                when = ("started within the quarter-hour of the run before"
                        if _quarter(started) == _quarter(runs[-2][0]) else "started in a later quarter-hour")
                new = state["events"][0] - before["events"][0]
                assert new > 0, f"run {number} ({when}) collected no new agent event"
                assert state["events"][1] > before["events"][1], f"run {number}: no later agent event"
                assert state["newest_period"] >= before["newest_period"]
                assert state["newest_confirmed"] > before["newest_confirmed"], f"run {number}: agents' states stand still"
                assert state["newest_interval"] >= before["newest_interval"]
            # nothing twice: not a period, not an interval (agent events: against the world, below)
            assert _query(output, """select count(*) - count(distinct (instance_id, agent_id, state_start_ms))
                                     from wfm.wfm_agent_state_transaction""")[0][0] == 0
            assert _query(output, """select count(*) - count(distinct (instance_id, queue_id, channel, interval_start_at))
                                     from wfm.wfm_interval_volume""")[0][0] == 0
            before = state

        # every agent event is the simulated world's, once; none of it is missing
        _check_agent_events_are_the_worlds(output)
        # the job says what it did, and how much is new
        for number, ((_, state, out), previous) in enumerate(zip(runs, [None, *runs], strict=False), start=1):
            said = re.search(r"New this run: (\d+) agent events", out)
            assert said, out[-3000:]
            if number == 1:
                assert "a new simulated world" in out
                assert "into an embedded PostgreSQL" in out
                assert "Contact volume per queue" in out and "Sales" in out
                assert "Agents now" in out and "Adherence, " in out
            else:
                assert "the world of the last run" in out, out[:1500]
                assert int(said.group(1)) == state["events"][0] - previous[1]["events"][0], "how many are new"
            # Connect's own agent time against the events: complete events, so every settled one matches
            assert re.search(r"Agent events against Connect's own agent time, .*?: (\d+) of \1 agent-intervals match",
                             " ".join(out.split())), out[-3000:]
        # the simulated site's time zone, everywhere
        zone = _query(output, "select time_zone from wfm_input.simulated_world")[0][0]
        for table in (*ZONED, "wfm_agent"):
            assert _query(output, f"select distinct site_time_zone from wfm.{table}") == [(zone,)], table
        for table in ("wfm_interval_volume", "wfm_agent_interval_activity", "wfm_adherence"):
            wrong = _query(output, f"""select count(*) from wfm.{table} where interval_start_local
                                       <> (interval_start_at at time zone 'UTC') at time zone site_time_zone""")
            assert wrong == [(0,)], table
        assert f"Times in {zone}" in out
        page = (output / "report.html").read_text()
        for section in ("volume-chart", "service-level-chart", "aht-chart", "realtime-board", "adherence-heatmap",
                        "state-timeline", "reconciliation"):
            assert f'id="{section}"' in page, section
        assert f"Times in {zone}" in page
        # A run takes 1-2 minutes: of three runs in a row, two start in one quarter-hour, whenever
        # the first starts (the case that collected nothing before the world was kept).
        same_quarter = [n + 2 for n in range(2) if _quarter(runs[n][0]) == _quarter(runs[n + 1][0])]
        assert same_quarter, f"the runs started at {[r[0] for r in runs]}: none in the quarter-hour of the one before"
    finally:  # the embedded server keeps running between runs of the job: stop it (this one, by its PID)
        subprocess.run([WFM_PIPELINE, "stop"], cwd=ROOT, env=_env(output), check=False, timeout=120)



@pytest.mark.timeout(900)
@pytest.mark.xdist_group("meltano-d")
def test_main_job_on_duckdb_loads_every_event_and_runs_again(tmp_path, installed_plugins):
    """WFM_DUCKDB_PATH: the same job into a DuckDB file (target-duckdb, dbt-duckdb), twice; every
    event of the world loaded once (target-duckdb with a newer DuckDB lost each load's first row)."""
    output = tmp_path / "output"
    # its own .meltano run directory: the PostgreSQL test's runs may be going on at the same time
    env = {"WFM_DUCKDB_PATH": str(output / "warehouse.duckdb"),
           "MELTANO_SYS_DIR_ROOT": str(own_meltano_sys_dir(tmp_path))}
    first = _run_job(output, **env).stdout
    assert "into a DuckDB file" in first and "a new simulated world" in first, first[:1500]
    assert (output / "warehouse.meltano.db").exists(), "Meltano's state beside the warehouse it describes"
    events = _query(output, "select count(distinct event_id) from raw.agent_events")[0][0]
    second = _run_job(output, **env).stdout
    assert "the world of the last run" in second, second[:1500]
    said = re.search(r"New this run: (\d+) agent events", second)
    assert said and int(said.group(1)) == _query(output, "select count(distinct event_id) from raw.agent_events")[0][0] - events
    _check_agent_events_are_the_worlds(output)
    assert _query(output, """select count(*) - count(distinct (instance_id, agent_id, state_start_ms))
                             from wfm.wfm_agent_state_transaction""")[0][0] == 0
    for table in ("wfm_interval_volume", "wfm_agent_current_state", "wfm_adherence", "wfm_queue", "wfm_agent"):
        assert _query(output, f"select count(*) from wfm.{table}")[0][0] > 0, table
    assert 'id="realtime-board"' in (output / "report.html").read_text()
