from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wfm_pipeline import report
from wfm_pipeline.settings import PipelineSettings, read_dotenv
from wfm_pipeline.simulator_service import busiest_zone


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


def sample() -> report.ReportData:
    end = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    data = report.ReportData(end - timedelta(hours=24), end)
    data.queues = [{"queue_name": "Sales", "channel": "VOICE", "offered": 120, "handled": 100, "abandoned": 20,
                    "answered_in_threshold": 90, "handle_seconds": 30000.0}]
    data.intervals = [(end - timedelta(minutes=15 * i), 10 + i % 7, 8 + i % 5) for i in range(96, 0, -1)]
    data.current_states = [{"username": "ava", "wfm_state": "ON_CONTACT"},
                           {"username": "ben", "wfm_state": "AVAILABLE"},
                           {"username": "cai", "wfm_state": "ON_CONTACT"}]
    data.adherence = [{"username": "ava", "scheduled": 7200, "adherent": 6480, "logged_in": 7000}]
    data.timeline = {"ava <x>": [
        {"state_start_at": end - timedelta(hours=3), "state_end_at": end - timedelta(hours=1),
         "wfm_state": "AVAILABLE", "source_status_name": "Available"},
        {"state_start_at": end - timedelta(hours=1), "state_end_at": None,
         "wfm_state": "ON_CONTACT", "source_status_name": None}]}
    return data


def test_text_report_shows_volume_states_and_adherence():
    out = report.text(sample())
    assert "Sales" in out and "120" in out and "75%" in out and "300 s" in out  # SL 90/120, AHT 30000/100
    assert "Agents now: 1 available, 2 on contact" in out
    assert "Adherence: 90% of 2.0 scheduled hours across 1 agents" in out


def test_html_report_has_both_charts_and_escapes_names():
    page = report.html_page(sample(), "summary")
    assert page.count('<rect class="offered"') == 96
    assert 'id="state-timeline"' in page and page.count('class="state"') == 2
    assert "ava &lt;x&gt;" in page and "ava <x>" not in page
