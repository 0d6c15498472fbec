"""The HTML report as a person sees it: opened in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image
from wfm_pipeline import report

from .test_settings_and_report import sample

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (./wfm test installs it)")


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=60)


def test_report_renders_its_charts_and_tables(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(report.html_page(sample(), report.text(sample())))
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert 'id="volume-chart"' in dom and 'id="state-timeline"' in dom
    assert dom.count('class="offered"') == 96
    assert "<td>Sales</td>" in dom

    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,900", page.as_uri())
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000) or []
    bar_blue = sum(count for count, rgb in colours if rgb == (0x15, 0x65, 0xC0))
    assert bar_blue > 2000, "the handled bars are drawn"
