from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from wfm_pipeline import reconciliation_report, report
from wfm_pipeline.settings import PipelineSettings, ReportTargets, SettingError, read_dotenv
from wfm_pipeline.simulator_service import busiest_zone
from wfm_pipeline.warehouse import connect


def test_dotenv_lines_as_meltano_reads_them(tmp_path):
    (tmp_path / ".env").write_text(
        "# AWS\nexport TAP_AMAZON_CONNECT_AWS_REGION=USWest2\nWFM_PG_PASSWORD='p@ss word'\n\nbroken line\n")
    assert read_dotenv(tmp_path / ".env") == {
        "TAP_AMAZON_CONNECT_AWS_REGION": "USWest2", "WFM_PG_PASSWORD": "p@ss word"}


def test_without_settings_the_simulator_and_an_embedded_postgres_are_used(tmp_path):
    settings = PipelineSettings.detect(tmp_path, environ={})
    assert (settings.source, settings.warehouse, settings.loader, settings.dbt) == (
        "simulator", "embedded", "target-postgres", "dbt-postgres")


def test_a_duckdb_path_selects_duckdb(tmp_path):
    settings = PipelineSettings.detect(tmp_path, environ={"WFM_DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    assert (settings.warehouse, settings.loader, settings.dbt) == ("duckdb", "target-duckdb", "dbt-duckdb")


def test_aws_settings_in_dotenv_switch_to_amazon_connect_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("TAP_CONNECT_KINESIS_STREAM_NAME=agents\nWFM_PG_HOST=db.internal\n")
    settings = PipelineSettings.detect(tmp_path, environ={"WFM_PG_HOST": "127.0.0.1"})
    assert (settings.source, settings.warehouse) == ("aws", "postgres")
    assert settings.env["WFM_PG_HOST"] == "127.0.0.1"


def test_the_demo_site_is_where_it_is_mid_morning():
    assert busiest_zone(datetime(2026, 11, 25, 17, 0, tzinfo=UTC)) == "America/Chicago"  # 11:00 CST
    assert busiest_zone(datetime(2026, 11, 25, 2, 0, tzinfo=UTC)) == "Asia/Tokyo"  # 11:00 JST


def sample(time_zone: str = "Australia/Sydney") -> report.ReportData:
    """24 h of volume to 2026-11-25 18:00 UTC (05:00 AEDT next day), three agents now, an 8 h
    adherence window, a 4 h timeline."""
    end = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    data = report.ReportData(end - timedelta(hours=24), end, time_zone, "the site's time zone",
                             as_of=end - timedelta(minutes=3), targets=ReportTargets(), thresholds=[20])
    data.queues = [{"queue_name": "Sales", "channel": "VOICE", "offered": 120, "queued": 120, "handled": 100,
                    "handled_outbound": 4, "abandoned": 20, "answered_in_threshold": 90, "answered": 96,
                    "answer_seconds": 960.0, "handle_seconds": 30000.0}]
    data.queue_count = 3
    data.intervals = [report.Interval(end - timedelta(minutes=15 * i), offered=10 + i % 7, queued=9 + i % 5,
                                      handled=8 + i % 5, handled_outbound=i % 2, abandoned=1,
                                      answered_in_threshold=6 + i % 4, handle_seconds=300.0 * (8 + i % 5))
                      for i in range(96, 0, -1)]
    now = data.as_of
    data.board = [
        {"username": "ava", "wfm_state": "ON_CONTACT", "source_status_name": "Available", "activity": "ON_CONTACT",
         "channel": "VOICE", "state_start_at": now - timedelta(minutes=4), "scheduled_activity": "BREAK",
         "adherent": False},
        {"username": "ben", "wfm_state": "AFTER_CONTACT_WORK", "source_status_name": None,
         "activity": "AFTER_CONTACT_WORK", "channel": "CHAT", "state_start_at": now - timedelta(seconds=50),
         "scheduled_activity": "OPEN", "adherent": True},
        {"username": "cai", "wfm_state": "UNAVAILABLE", "source_status_name": "Break", "activity": "STATUS",
         "channel": None, "state_start_at": now - timedelta(minutes=9), "scheduled_activity": None,
         "adherent": None},
        {"username": "dan", "wfm_state": "LOGGED_OUT", "source_status_name": None, "activity": "LOGGED_OUT",
         "channel": None, "state_start_at": now - timedelta(hours=2), "scheduled_activity": "OPEN",
         "adherent": False},
    ]
    data.adherence_end = end
    data.adherence_start = end - timedelta(hours=8)
    data.adherence = {
        user: [{"interval_start_at": end - timedelta(minutes=15 * i), "scheduled_activity": "OPEN",
                "scheduled_seconds": 900, "adherent_seconds": 900 - (i * share) % 900, "logged_in_seconds": 900}
               for i in range(32, 0, -1)]
        for user, share in (("ava <x>", 97), ("ben", 13), ("cai", 0), ("dan", 450), ("eve", 211), ("fay", 5))}
    data.timeline_end = now
    data.timeline_start = now - timedelta(hours=4)
    data.timeline = report._timeline_segments([
        {"username": "ava <x>", "state_start_at": now - timedelta(hours=3), "state_end_at": now - timedelta(hours=1),
         "wfm_state": "AVAILABLE", "source_status_name": "Available", "activity": "STATUS", "channel": None},
        {"username": "ava <x>", "state_start_at": now - timedelta(hours=1), "state_end_at": now - timedelta(hours=1),
         "wfm_state": "UNAVAILABLE", "source_status_name": "Break", "activity": "STATUS", "channel": None},
        {"username": "ava <x>", "state_start_at": now - timedelta(hours=1), "state_end_at": None,
         "wfm_state": "AFTER_CONTACT_WORK", "source_status_name": None, "activity": "AFTER_CONTACT_WORK",
         "channel": "VOICE"}], data.timeline_start, data.timeline_end)
    return data


def _flat(text: str) -> str:
    """The summary's sentences are wrapped for a terminal: compare them unwrapped."""
    return " ".join(text.split())


def test_text_report_names_the_zone_the_windows_and_the_targets():
    text = report.text(sample())
    assert max(len(line) for line in text.splitlines()) <= 100, "wrapped for a terminal"
    out = _flat(text)
    assert out.startswith("Times in Australia/Sydney (AEDT, UTC+11:00)")
    # a 24 h window names both dates, in local time (18:00 UTC = 05:00 AEDT the next day)
    assert "Contact volume per queue, 2026-11-25 05:00 to 2026-11-26 05:00 AEDT (24 h; 1 queue × channel " \
           "series with contacts in the window, of 3)" in out
    assert "Sales" in out and "120" in out and "100 (4 out)" in out and "75%" in out and "300 s" in out
    assert "target 80% answered within 20 s" in out
    assert "Agents now (as of 04:57 AEDT): 3 logged in: 1 on contact, 1 after contact work, 1 unavailable" in out
    assert "Out of adherence now: 2 of 3 scheduled now (1 scheduled but logged out)" in out
    assert "Adherence, 2026-11-25 21:00 to 2026-11-26 05:00 AEDT (the last 8 h)" in out
    assert "The 5 agents with the lowest adherence in the window (of 6):" in out
    assert "AFTER_CONTACT_WORK" not in out


def test_the_same_window_reads_without_a_repeated_time():
    data = sample("UTC")
    assert report.window_text(data, data.window_start, data.window_end) == "2026-11-24 18:00 to 2026-11-25 18:00 UTC"
    assert report.window_text(data, data.adherence_start, data.adherence_end) == "2026-11-25 10:00 to 18:00 UTC"


def test_states_read_the_same_everywhere():
    assert report.state_label("AFTER_CONTACT_WORK", None, "AFTER_CONTACT_WORK", "VOICE") == "After contact work (voice)"
    assert report.state_label("AVAILABLE", "Available", "STATUS") == "Available"
    assert report.state_label("UNAVAILABLE", "Break", "STATUS") == "Unavailable (Break)"
    assert report.state_label("UNAVAILABLE", "Available", "CONTACT_MISSED") == "Unavailable (missed contact)"
    assert report.state_label("ON_CONTACT", "Available", "ON_CONTACT", "CHAT") == "On contact (chat)"
    page = report.html_page(sample(), "summary")
    for raw in ("AFTER_CONTACT_WORK", "ON_CONTACT", ">AVAILABLE", "UNAVAILABLE"):
        assert raw not in page, f"{raw} shows in the page"


def test_timeline_has_no_zero_length_segment_and_merges_neighbours():
    t0 = datetime(2026, 11, 25, 8, tzinfo=UTC)
    period = {"username": "a", "wfm_state": "AVAILABLE", "source_status_name": "Available", "activity": "STATUS",
              "channel": None}
    segments = report._timeline_segments([
        {**period, "state_start_at": t0, "state_end_at": t0 + timedelta(minutes=5)},
        {**period, "state_start_at": t0 + timedelta(minutes=5), "state_end_at": t0 + timedelta(minutes=9)},
        {**period, "state_start_at": t0 + timedelta(minutes=9), "state_end_at": t0 + timedelta(minutes=9),
         "wfm_state": "UNAVAILABLE", "source_status_name": "Break"},
        {**period, "state_start_at": t0 + timedelta(minutes=9), "state_end_at": t0 + timedelta(minutes=9, seconds=0.4),
         "wfm_state": "ON_CONTACT", "activity": "ON_CONTACT"},
        {**period, "state_start_at": t0 - timedelta(hours=2), "state_end_at": t0 - timedelta(hours=1)},  # before
    ], t0, t0 + timedelta(hours=1))
    assert [(s["label"], s["end"] - s["start"]) for s in segments["a"]] == [("Available", timedelta(minutes=9))]


def test_html_report_has_every_section_its_axes_and_escapes_names():
    data = sample()
    page = report.html_page(data, "summary")
    for section in ("volume-chart", "service-level-chart", "aht-chart", "queue-volume", "realtime-board",
                    "adherence-heatmap", "state-timeline", "summary"):
        assert f'id="{section}"' in page, section
    assert page.count('<rect class="offered"') == 96 and page.count('<rect class="handled"') == 96
    assert "contacts per 15-minute interval" in page and "interval start, Australia/Sydney (AEDT, UTC+11:00)" in page
    assert "handled + abandoned can exceed offered" in page and "outbound calls (48 in the window)" in page
    assert 'class="target"' in page and "target 80%" in page
    assert page.count('class="cell"') == 6 * 32 and "(the last 8 h), every agent with scheduled time" in page
    assert "every logged-in agent (3) and every agent scheduled now who is not logged in (1)" in page
    assert page.count("out of adherence</td>") == 2
    # local time, the zone named, UTC on hover
    assert '<time datetime="2026-11-25T17:57:00Z" title="2026-11-25 17:57:00 UTC">' in page
    assert "ava &lt;x&gt;" in page and "ava <x>" not in page
    assert page.count('class="state"') == 2  # the zero-length break is not drawn
    assert "http://" not in page and "https://" not in page and "<script src" not in page


def test_service_level_target_is_a_setting():
    assert ReportTargets.from_env({}) == ReportTargets(80.0, 20, None, None)
    assert ReportTargets.from_env({"WFM_SERVICE_LEVEL_TARGET": "90/30", "WFM_AHT_TARGET_SECONDS": "300",
                                   "WFM_REPORT_TIME_ZONE": "Europe/Berlin"}) == ReportTargets(
        90.0, 30, 300.0, "Europe/Berlin")
    for bad in ({"WFM_SERVICE_LEVEL_TARGET": "80"}, {"WFM_SERVICE_LEVEL_TARGET": "120/20"},
                {"WFM_AHT_TARGET_SECONDS": "fast"}, {"WFM_REPORT_TIME_ZONE": "Mars/Olympus"}):
        with pytest.raises(SettingError, match=next(iter(bad))):
            ReportTargets.from_env(bad)
    data = sample()
    data.targets = ReportTargets(80.0, 30)
    assert "the data counts answers within 20 s" in _flat(report.text(data))


def test_a_zone_without_letters_for_its_time_is_named_by_its_offset():
    moment = datetime(2026, 12, 3, 4, tzinfo=UTC)
    assert report.zone_abbreviation("Asia/Dhaka", moment) == "UTC+06"
    assert report.zone_abbreviation("Australia/Sydney", moment) == "AEDT"
    data = sample("Asia/Dhaka")
    assert report.zone_text(data) == "Asia/Dhaka (UTC+06:00)"


# -- the reconciliation section: figures read from wfm_agent_reconciliation on the local PostgreSQL
END = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
Q = timedelta(minutes=15)


def _settings(database, tmp_path) -> PipelineSettings:
    settings = PipelineSettings.detect(tmp_path, environ={
        "WFM_PG_HOST": database.host, "WFM_PG_PORT": str(database.port), "WFM_PG_USER": database.user,
        "WFM_PG_DBNAME": database.database})
    assert settings.warehouse == "postgres"
    return settings


def _row(agent: str, start: datetime, status: str, online_diff: float = 0.0, idle_diff: float = 0.0) -> tuple:
    connect_online = 900.0
    return (agent, start.replace(tzinfo=None), (start + Q).replace(tzinfo=None), status,
            "online:missing" if online_diff < 0 else None, connect_online + online_diff, connect_online,
            online_diff, idle_diff, 0.0, 0.0, (END - timedelta(hours=1)).replace(tzinfo=None))


def _fill(query, rows: list[tuple]) -> None:
    query("create schema wfm")
    query("""create table wfm.wfm_agent (instance_id text, agent_id text, username text)""")
    query("insert into wfm.wfm_agent values ('i1', 'a1', 'ava'), ('i1', 'a2', 'ben'), ('i1', 'a3', 'cai')")
    query("""create table wfm.wfm_agent_reconciliation (
                 instance_id text, agent_id text, interval_start_at timestamp, interval_end_at timestamp,
                 status text, mismatched_categories text, events_online_seconds numeric,
                 connect_online_seconds numeric, online_difference_seconds numeric,
                 idle_difference_seconds numeric, on_contact_difference_seconds numeric,
                 non_productive_difference_seconds numeric, connect_settled_through_at timestamp)""")
    for r in rows:
        query("insert into wfm.wfm_agent_reconciliation values ('i1', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
              r)


def test_the_section_counts_settled_agent_intervals_and_names_where_events_are_missing(postgres_database, tmp_path):
    settled_end = END - timedelta(hours=1)
    rows = []
    for i in range(1, 9):  # two hours settled: every agent matches, but ...
        for agent in ("a1", "a2", "a3"):
            rows.append(_row(agent, settled_end - i * Q, "match"))
    # ... an outage in one interval: two agents' events missing, by different amounts
    rows[0:2] = [_row("a1", settled_end - Q, "events_missing", online_diff=-600),
                 _row("a2", settled_end - Q, "events_missing", online_diff=-120)]
    rows[5] = _row("a3", settled_end - 2 * Q, "events_extra", idle_diff=300)
    rows += [_row(a, settled_end + i * Q, "connect_pending") for a in ("a1", "a2") for i in range(4)]
    rows.append(_row("a1", settled_end - 200 * Q, "match"))  # more than a day back: outside the window
    settings = _settings(postgres_database, tmp_path)
    with connect(settings) as query:
        _fill(query, rows)
        r = reconciliation_report.collect(query)

    assert (r.window_start, r.window_end) == (settled_end - timedelta(hours=24), settled_end)
    assert r.statuses == {"match": 21, "events_missing": 2, "events_extra": 1}
    assert r.pending == 8
    assert [(w["agent"], w["status"]) for w in r.worst] == [
        ("ava", "events_missing"), ("cai", "events_extra"), ("ben", "events_missing")]
    assert [(m["interval_start_at"], m["agents"], float(m["online_seconds_missing"]))
            for m in r.missing_intervals] == [(settled_end - Q, 2, 720.0)]


def test_a_reconciliation_that_starts_late_states_its_own_window(postgres_database, tmp_path):
    settled_end = END - timedelta(hours=1)
    with connect(_settings(postgres_database, tmp_path)) as query:
        _fill(query, [_row("a1", settled_end - Q, "match"), _row("a1", settled_end, "connect_pending")])
        r = reconciliation_report.collect(query)
        assert (r.window_start, r.window_end, r.matched, r.settled, r.pending) == (
            settled_end - Q, settled_end, 1, 1, 1)
        query("delete from wfm.wfm_agent_reconciliation where status = 'match'")  # nothing settled yet
        r = reconciliation_report.collect(query)
        assert r.window_start is None and r.pending == 1
        query("delete from wfm.wfm_agent_reconciliation")  # built, but Connect's time not collected
        assert reconciliation_report.collect(query) is None


def reconciliation_sample() -> reconciliation_report.Reconciliation:
    start = END - timedelta(hours=2)
    return reconciliation_report.Reconciliation(
        window_start=start, window_end=END, statuses={"match": 45, "events_missing": 4, "events_extra": 1},
        pending=12, settled_through=END + timedelta(minutes=20),
        worst=[{"agent": "ava <x>", "interval_start_at": END - Q, "status": "events_missing",
                "mismatched_categories": "online:missing", "events_online_seconds": 300,
                "connect_online_seconds": 900, "online_difference_seconds": -600, "idle_difference_seconds": -600,
                "on_contact_difference_seconds": 0, "non_productive_difference_seconds": 0}],
        missing_intervals=[{"interval_start_at": END - Q, "agents": 4, "online_seconds_missing": 1500}],
        missing_interval_count=1)


def test_the_report_says_how_much_matches_and_where_events_are_missing():
    data = sample()
    data.reconciliation = reconciliation_sample()
    text = _flat(report.text(data))
    assert ("Agent events against Connect's own agent time, 2026-11-26 03:00 to 05:00 AEDT: 45 of 50 "
            "agent-intervals match (90%); 4 with events missing, 1 with events extra; 12 agent-intervals after "
            "05:20 AEDT not settled by Connect yet.") in text
    assert "Intervals with agent events missing: 04:45 (4 agents, 25 min 00 s online)." in text
    assert "ava <x> 11-26 04:45 events_missing −10 min 00 s −10 min 00 s 0 0" in text
    page = report.html_page(data, report.text(data))
    assert 'id="reconciliation"' in page and 'id="reconciliation-worst"' in page
    assert "ava &lt;x&gt;" in page and "ava <x>" not in page.split('<pre id="summary">')[0]


def test_without_connects_agent_time_the_report_says_how_to_collect_it():
    data = sample()
    assert "Connect's own per-agent time is not collected: meltano run wfm-reconciliation" in _flat(report.text(data))
    assert 'id="reconciliation"' in report.html_page(data, report.text(data))
