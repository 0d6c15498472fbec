"""The HTML report as a person sees it: opened in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image
from wfm_pipeline import report

from .test_settings_and_report import reconciliation_sample, sample

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (./wfm test installs it)")


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=60)


def _count(colours, rgb: str) -> int:
    want = tuple(int(rgb[i:i + 2], 16) for i in (1, 3, 5))
    return sum(count for count, colour in colours if colour == want)


def test_report_renders_its_charts_and_tables(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(report.html_page(sample(), report.text(sample())))
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    for section in ("volume-chart", "service-level-chart", "aht-chart", "queue-volume", "realtime-board",
                    "adherence-heatmap", "state-timeline", "summary"):
        assert f'id="{section}"' in dom, section
    assert dom.count('class="offered"') == 96
    assert "<td>Sales</td>" in dom
    assert dom.count('class="cell"') == 6 * 32, "the heat map: every agent × scheduled interval"
    assert dom.count("<tr") - 1 - dom.count('<tr><th>queue') == 4 + 1, "the board's 4 agents, the queue's row"
    assert "contacts per 15-minute interval" in dom and "% answered within 20 s" in dom
    assert 'title="2026-11-25 17:57:00 UTC"' in dom, "UTC on hover"

    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,4200", page.as_uri())
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert _count(colours, "#1565c0") > 2000, "the handled bars are drawn"
    assert _count(colours, "#e53935") > 300, "the abandoned bars and the worst heat map cells are drawn"
    assert _count(colours, "#c62828") > 300, "the service level target line is drawn"
    assert _count(colours, "#2e7d32") > 2000, "the heat map's adherent cells are drawn"
    assert _count(colours, "#fdecea") > 3000, "the board marks who is out of adherence"
    assert _count(colours, "#8e24aa") > 1000, "the timeline draws after contact work"


def test_the_reconciliation_section_shows_the_share_and_the_worst_agent_intervals(tmp_path):
    data = sample()
    data.reconciliation = reconciliation_sample()
    page = tmp_path / "report.html"
    page.write_text(report.html_page(data, report.text(data)))
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "Is the adherence data complete?" in dom
    section = dom.split('id="reconciliation"', 1)[1].split("<h2>", 1)[0]
    assert "45 of 50 agent-intervals match (90%)" in section
    assert "04:45 (4 agents, 25 min 00 s online)" in section, "the interval with events missing"
    worst = section.split('id="reconciliation-worst"', 1)[1]
    assert worst.count("<tr>") == 2 and "ava &lt;x&gt;" in worst and "events missing" in worst
