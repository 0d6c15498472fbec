"""What lets the main job run again and again: the simulated world kept in the warehouse, the
stretch of agent events each run re-reads, and the step lines (live on a terminal, plain in a log)."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from wfm_pipeline import meltano_runner, simulated_world
from wfm_pipeline.meltano_runner import MeltanoRunner, StepFailed
from wfm_pipeline.settings import PipelineSettings
from wfm_pipeline.simulated_world import UnrecordedWorld, WorldIdentity

NOW = datetime(2026, 12, 3, 3, 22, 41, tzinfo=UTC)


def _postgres_settings(db, tmp_path) -> PipelineSettings:
    return PipelineSettings.detect(tmp_path, environ={
        "WFM_PG_HOST": db.host, "WFM_PG_PORT": str(db.port), "WFM_PG_USER": db.user, "WFM_PG_PASSWORD": "",
        "WFM_PG_DBNAME": db.database})


def test_a_new_world_starts_on_a_quarter_hour_and_collects_the_last_three_hours():
    world = WorldIdentity.create(NOW, history_days=2, time_zone="Australia/Sydney")
    assert (world.start, world.events_from, world.new) == ("2026-12-01T03:15:00Z", "2026-12-03T00:22:41Z", True)
    assert world.history_start == "2026-12-01T05:46:41Z"  # 1.9 days back: inside the world


def test_each_run_rereads_the_events_since_the_newest_one_loaded():
    world = WorldIdentity.create(NOW - timedelta(days=1), history_days=2, time_zone="UTC")
    first = simulated_world.parse(world.events_from)
    assert world.backlog_from(NOW, None) == first, "nothing loaded yet: the whole first stretch"
    newest = NOW - timedelta(minutes=2)
    assert world.backlog_from(NOW, newest) == newest - timedelta(minutes=15), "a run a few minutes later"
    assert world.backlog_from(NOW + timedelta(days=30), newest) == NOW + timedelta(days=23), "at most 7 days"
    assert world.backlog_from(first + timedelta(minutes=5), first + timedelta(minutes=1)) == first


def test_the_world_is_kept_in_a_postgres_warehouse(postgres_database, tmp_path):
    settings = _postgres_settings(postgres_database, tmp_path)
    assert simulated_world.load(settings) is None
    world = WorldIdentity.create(NOW, history_days=1, time_zone="Asia/Manila", seed=7, agents=24)
    simulated_world.save(settings, world)
    simulated_world.save(settings, world)  # a second save replaces, never adds
    assert simulated_world.load(settings) == replace(world, new=False)


def test_the_world_is_kept_in_a_duckdb_warehouse(tmp_path):
    settings = PipelineSettings.detect(tmp_path, environ={"WFM_DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
    world = WorldIdentity.create(NOW, history_days=1, time_zone="Europe/Berlin")
    simulated_world.save(settings, world)
    assert simulated_world.load(settings).start == world.start


def test_agent_events_of_an_unrecorded_world_stop_the_job_before_worlds_mix(postgres_database, tmp_path):
    with postgres_database.connect() as conn:
        conn.execute("create schema raw; create table raw.agent_events (event_id text primary key)")
        conn.execute("insert into raw.agent_events values ('e1')")
    with pytest.raises(UnrecordedWorld, match="not recorded"):
        simulated_world.load(_postgres_settings(postgres_database, tmp_path))


# -- the step lines -----------------------------------------------------------------------------
def _fake_meltano(tmp_path: Path, seconds: float, code: int = 0) -> str:
    script = tmp_path / "meltano"
    script.write_text(f"#!{sys.executable}\nimport os, sys, time\nprint('colours', os.environ.get('DBT_USE_COLORS'),"
                      f" os.environ.get('NO_COLOR'))\nprint('args', *sys.argv[1:])\ntime.sleep({seconds})\n"
                      f"sys.exit({code})\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def _runner(tmp_path: Path, terminal: bool, seconds: float, code: int = 0) -> MeltanoRunner:
    runner = MeltanoRunner(tmp_path, tmp_path / "logs", {}, "demo", terminal=terminal)
    runner.meltano = _fake_meltano(tmp_path, seconds, code)
    return runner


def test_without_a_terminal_progress_is_plain_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(meltano_runner, "TICK_S", 0.1)
    monkeypatch.setattr(meltano_runner, "PLAIN_EVERY_S", 0.5)
    _runner(tmp_path, terminal=False, seconds=1.6).step(
        "Adherence: 60 s of live agent events", "run", "tap", progress=lambda s: f"{int(s * 10)} events loaded")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "  Adherence: 60 s of live agent events ..."
    assert len([line for line in lines if line.endswith("events loaded")]) >= 2
    assert lines[-1].startswith("    done in ")
    assert "\x1b" not in out and "\r" not in out
    log = (tmp_path / "logs" / "01-run.log").read_text()
    assert "colours false 1" in log, "the plugins' logs are written without colour codes"
    assert "args --environment demo run tap" in log


def test_a_step_without_progress_is_one_line_without_a_terminal(tmp_path, capsys):
    _runner(tmp_path, terminal=False, seconds=0).step("Configuration", "run", "tap")
    assert capsys.readouterr().out == "  Configuration ... done in 0 s\n"


def test_on_a_terminal_the_line_is_live(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(meltano_runner, "TICK_S", 0.1)
    _runner(tmp_path, terminal=True, seconds=0.5).step("History", "run", "tap",
                                                       progress=lambda s: "12 events loaded, about 40 s left")
    out = capsys.readouterr().out
    assert "\r\x1b[K  History ... 12 events loaded, about 40 s left" in out
    assert out.endswith("\r\x1b[K  History ... done in 1 s\n") or out.endswith("\r\x1b[K  History ... done in 0 s\n")


def test_a_failed_step_shows_the_logs_tail(tmp_path, capsys):
    with pytest.raises(StepFailed, match=r"the end of .*01-run\.log"):
        _runner(tmp_path, terminal=False, seconds=0, code=3).step("History", "run", "tap")
    assert "FAILED after 0 s" in capsys.readouterr().out


def test_the_job_knows_whether_it_writes_to_a_terminal(tmp_path):
    with open(os.devnull, "w") as devnull:
        assert meltano_runner.is_terminal(devnull) is False
