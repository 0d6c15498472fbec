"""The main job's report, from the WFM tables: volume per queue and interval, agents'
current states and adherence, as text and as a self-contained HTML page (inline SVG)."""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .settings import PipelineSettings
from .warehouse import WFM_SCHEMA, connect

STATE_COLOURS = {
    "AVAILABLE": "#4caf50", "ON_CONTACT": "#1e88e5", "AFTER_CONTACT_WORK": "#8e24aa",
    "UNAVAILABLE": "#fb8c00", "LOGGED_OUT": "#cfd8dc",
}
TIMELINE_AGENTS = 12


@dataclass
class ReportData:
    window_start: datetime
    window_end: datetime
    queues: list[dict] = field(default_factory=list)  # per queue × channel totals
    intervals: list[tuple[datetime, int, int]] = field(default_factory=list)  # start, offered, handled
    current_states: list[dict] = field(default_factory=list)
    adherence: list[dict] = field(default_factory=list)
    timeline: dict[str, list[dict]] = field(default_factory=dict)  # agent → periods


def _utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def collect(settings: PipelineSettings, hours: float = 24.0) -> ReportData:
    s = WFM_SCHEMA
    with connect(settings) as query:
        latest = query(f"select max(interval_start_at) as t from {s}.wfm_interval_volume "
                       f"where contacts_offered > 0")[0]["t"]
        end = _utc(latest) + timedelta(minutes=15) if latest else datetime.now(UTC)
        start = end - timedelta(hours=hours)
        data = ReportData(start, end)
        data.queues = query(f"""
            select q.queue_name, v.channel,
                   sum(v.contacts_offered) as offered, sum(v.contacts_handled) as handled,
                   sum(v.contacts_abandoned) as abandoned,
                   sum(v.contacts_answered_in_threshold) as answered_in_threshold,
                   sum(v.handle_time_seconds) as handle_seconds
            from {s}.wfm_interval_volume v
            join {s}.wfm_queue q on q.instance_id = v.instance_id and q.queue_id = v.queue_id
            where v.interval_start_at >= %s and v.interval_start_at < %s
            group by q.queue_name, v.channel
            having sum(v.contacts_offered) > 0
            order by q.queue_name, v.channel""", (start, end))
        data.intervals = [
            (_utc(r["interval_start_at"]), int(r["offered"]), int(r["handled"]))
            for r in query(f"""
                select interval_start_at, sum(contacts_offered) as offered, sum(contacts_handled) as handled
                from {s}.wfm_interval_volume
                where interval_start_at >= %s and interval_start_at < %s
                group by interval_start_at order by interval_start_at""", (start, end))
        ]
        data.current_states = query(f"""
            select c.username, c.wfm_state, c.source_status_name, c.state_start_at, c.last_confirmed_at
            from {s}.wfm_agent_current_state c
            join {s}.wfm_agent a on a.instance_id = c.instance_id and a.agent_id = c.agent_id
            where a.is_active
            order by c.wfm_state, c.username""")
        data.adherence = query(f"""
            select a.username, sum(x.scheduled_seconds) as scheduled, sum(x.adherent_seconds) as adherent,
                   sum(x.logged_in_seconds) as logged_in
            from {s}.wfm_adherence x
            join {s}.wfm_agent a on a.instance_id = x.instance_id and a.agent_id = x.agent_id
            group by a.username
            having sum(x.scheduled_seconds) > 0
            order by a.username""")
        since = end - timedelta(hours=4)
        periods = query(f"""
            select a.username, t.state_start_at, t.state_end_at, t.wfm_state, t.source_status_name
            from {s}.wfm_agent_state_transaction t
            join {s}.wfm_agent a on a.instance_id = t.instance_id and a.agent_id = t.agent_id
            where (t.state_end_at is null or t.state_end_at > %s)
            order by a.username, t.state_start_at""", (since,))
    timeline: dict[str, list[dict]] = defaultdict(list)
    for period in periods:
        timeline[period["username"]].append(period)
    busiest = sorted(timeline, key=lambda u: -sum(p["wfm_state"] != "LOGGED_OUT" for p in timeline[u]))
    data.timeline = {user: timeline[user] for user in sorted(busiest[:TIMELINE_AGENTS])}
    return data


# -- text ----------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list]) -> str:
    widths = [max(len(str(v)) for v in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in [header, ["-" * w for w in widths], *rows]:
        lines.append("  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                               for i, (v, w) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


def _pct(part, whole) -> str:
    return f"{100 * float(part) / float(whole):.0f}%" if whole else "-"


def queue_rows(data: ReportData) -> list[list]:
    return [[q["queue_name"], q["channel"], int(q["offered"]), int(q["handled"]), int(q["abandoned"]),
             _pct(q["answered_in_threshold"], q["offered"]),
             f"{float(q['handle_seconds']) / int(q['handled']):.0f} s" if q["handled"] else "-"]
            for q in data.queues]


def text(data: ReportData) -> str:
    out = [f"Contact volume per queue, {data.window_start:%Y-%m-%d %H:%M} to {data.window_end:%H:%M} UTC",
           _table(["queue", "channel", "offered", "handled", "abandoned", "SL", "AHT"], queue_rows(data))]
    counts: dict[str, int] = defaultdict(int)
    for agent in data.current_states:
        counts[agent["wfm_state"]] += 1
    out += ["", "Agents now: " + ", ".join(f"{n} {state.lower().replace('_', ' ')}"
                                          for state, n in sorted(counts.items()))]
    if data.adherence:
        total_scheduled = sum(float(a["scheduled"]) for a in data.adherence)
        total_adherent = sum(float(a["adherent"]) for a in data.adherence)
        out += ["", f"Adherence: {_pct(total_adherent, total_scheduled)} of {total_scheduled / 3600:.1f} "
                    f"scheduled hours across {len(data.adherence)} agents"]
        worst = sorted(data.adherence, key=lambda a: float(a["adherent"]) / float(a["scheduled"]))[:5]
        out.append(_table(["agent", "scheduled h", "adherence"],
                          [[a["username"], f"{float(a['scheduled']) / 3600:.1f}",
                            _pct(a["adherent"], a["scheduled"])] for a in worst]))
    return "\n".join(out)


# -- HTML ----------------------------------------------------------------------------------
def _volume_svg(data: ReportData, width: int = 960, height: int = 220) -> str:
    if not data.intervals:
        return "<p>No intervals yet.</p>"
    peak = max(offered for _, offered, _ in data.intervals) or 1
    bar = width / len(data.intervals)
    bars = []
    for i, (start, offered, handled) in enumerate(data.intervals):
        h_offered = (height - 30) * offered / peak
        h_handled = (height - 30) * handled / peak
        x = i * bar
        bars.append(
            f'<rect class="offered" x="{x:.1f}" y="{height - 20 - h_offered:.1f}" width="{max(bar - 1, 1):.1f}" '
            f'height="{h_offered:.1f}"><title>{start:%H:%M} offered {offered}, handled {handled}</title></rect>'
            f'<rect class="handled" x="{x:.1f}" y="{height - 20 - h_handled:.1f}" width="{max(bar - 1, 1):.1f}" '
            f'height="{h_handled:.1f}"/>')
        if start.minute == 0 and start.hour % 3 == 0:
            bars.append(f'<text x="{x:.1f}" y="{height - 5}">{start:%H:%M}</text>')
    return (f'<svg id="volume-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="Contacts offered and handled per 15-minute interval">{"".join(bars)}</svg>')


def _timeline_svg(data: ReportData, width: int = 960, row: int = 22) -> str:
    if not data.timeline:
        return "<p>No agent states yet.</p>"
    label = 130
    end = max(_utc(p["state_end_at"]) if p["state_end_at"] else data.window_end
              for periods in data.timeline.values() for p in periods)
    start = end - timedelta(hours=4)
    scale = (width - label) / (end - start).total_seconds()
    parts = []
    for r, (user, periods) in enumerate(data.timeline.items()):
        y = r * row
        parts.append(f'<text x="0" y="{y + 15}">{html.escape(user)}</text>')
        for p in periods:
            a = max(_utc(p["state_start_at"]), start)
            b = _utc(p["state_end_at"]) if p["state_end_at"] else end
            if b <= a:
                continue
            colour = STATE_COLOURS.get(p["wfm_state"], "#9e9e9e")
            name = p["source_status_name"] or p["wfm_state"]
            parts.append(
                f'<rect class="state" x="{label + (a - start).total_seconds() * scale:.1f}" y="{y + 3}" '
                f'width="{max((b - a).total_seconds() * scale, 0.5):.1f}" height="{row - 6}" fill="{colour}">'
                f'<title>{html.escape(user)}: {html.escape(name)} {a:%H:%M}–{b:%H:%M}</title></rect>')
    height = row * len(data.timeline) + 20
    parts.append(f'<text x="{label}" y="{height - 4}">{start:%H:%M} UTC</text>'
                 f'<text x="{width - 40}" y="{height - 4}">{end:%H:%M}</text>')
    return (f'<svg id="state-timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="Agent state timeline, last four hours">{"".join(parts)}</svg>')


def html_page(data: ReportData, report_text: str) -> str:
    legend = "".join(f'<span><i style="background:{c}"></i>{s.replace("_", " ").lower()}</span>'
                     for s, c in STATE_COLOURS.items())
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in queue_rows(data))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Amazon Connect WFM report</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }}
h1 {{ font-size: 20px; }} h2 {{ font-size: 16px; margin-top: 28px; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
svg text {{ font-size: 11px; fill: #555; }} rect.offered {{ fill: #90caf9; }} rect.handled {{ fill: #1565c0; }}
.legend span {{ margin-right: 14px; }} .legend i {{ display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }}
pre {{ background: #f6f8fa; padding: 12px; }}
</style></head><body>
<h1>Amazon Connect → WFM</h1>
<p>{data.window_start:%Y-%m-%d %H:%M} – {data.window_end:%Y-%m-%d %H:%M} UTC</p>
<h2>Contacts per 15-minute interval</h2>
<p class="legend"><span><i style="background:#90caf9"></i>offered</span><span><i style="background:#1565c0"></i>handled</span></p>
{_volume_svg(data)}
<h2>Volume per queue</h2>
<table id="queue-volume"><tr><th>queue</th><th>channel</th><th>offered</th><th>handled</th><th>abandoned</th><th>SL</th><th>AHT</th></tr>{rows}</table>
<h2>Agent states, last four hours</h2>
<p class="legend">{legend}</p>
{_timeline_svg(data)}
<h2>Summary</h2>
<pre>{html.escape(report_text)}</pre>
</body></html>
"""


def write(settings: PipelineSettings, hours: float = 24.0) -> tuple[str, Path]:
    data = collect(settings, hours)
    report_text = text(data)
    path = settings.output_dir / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_page(data, report_text))
    return report_text, path
