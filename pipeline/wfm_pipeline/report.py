"""The main job's report, from the WFM tables: what a WFM analyst opens each morning.

- interval volume (offered, handled, abandoned) with axes and units;
- service level and AHT per interval against the targets (settings.ReportTargets);
- volume per queue;
- the real-time board: every logged-in agent (and every agent scheduled now who is not),
  current state, time in state, in or out of adherence now;
- an adherence heat map, agent × interval, and an agent state timeline;
- the reconciliation: Connect's own per-agent time against the agent events
  (reconciliation_report.py), where it is collected.

Times are shown in the sites' time zone (site_time_zone of the WFM tables; several zones:
UTC), named everywhere, with UTC on hover. Every window and filter is stated. As text, and
as one self-contained HTML page (inline SVG and CSS: nothing is fetched).
"""

from __future__ import annotations

import html
import math
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import reconciliation_report
from .settings import PipelineSettings, ReportTargets
from .warehouse import WFM_SCHEMA, as_utc, connect, naive_utc, table_exists

# wfm_state → readable label and colour, used alike in every table, chart and tooltip.
STATES = {
    "AVAILABLE": ("Available", "#43a047"),
    "ON_CONTACT": ("On contact", "#1e88e5"),
    "AFTER_CONTACT_WORK": ("After contact work", "#8e24aa"),
    "UNAVAILABLE": ("Unavailable", "#fb8c00"),
    "LOGGED_OUT": ("Logged out", "#cfd8dc"),
}
ACTIVITY_DETAILS = {"CONTACT_MISSED": "missed contact", "CONTACT_REJECTED": "rejected contact",
                    "CONTACT_ERROR": "contact error"}
# adherence % → heat map colour (lowest bound first matching from the top)
ADHERENCE_BANDS = ((90, "#2e7d32", "90% or more"), (75, "#9ccc65", "75–90%"), (50, "#ffca28", "50–75%"),
                   (0, "#e53935", "under 50%"))
INTERMEDIATE_SCHEMA, CONFIG_SCHEMA = "wfm_intermediate", "wfm_config"
SHORTEST_SEGMENT = timedelta(seconds=1)  # timeline pieces shorter than this are not drawn


def state_label(wfm_state: str | None, status_name: str | None = None, activity: str | None = None,
                channel: str | None = None) -> str:
    """'Available', 'Unavailable (Break)', 'Unavailable (missed contact)', 'On contact (voice)'."""
    label = STATES[wfm_state][0] if wfm_state in STATES else (wfm_state or "unknown").replace("_", " ").capitalize()
    if activity in ACTIVITY_DETAILS:
        detail = ACTIVITY_DETAILS[activity]
    elif wfm_state in ("ON_CONTACT", "AFTER_CONTACT_WORK"):
        detail = channel.lower() if channel else None
    else:
        detail = status_name if status_name and status_name.lower() != label.lower() else None
    return f"{label} ({detail})" if detail else label


@dataclass
class Interval:
    start: datetime
    offered: int = 0  # queued in this interval (by enqueue)
    queued: int = 0  # the rest: contacts that ended (disconnected) in this interval
    handled: int = 0
    handled_outbound: int = 0
    abandoned: int = 0
    answered_in_threshold: int = 0
    handle_seconds: float = 0.0

    @property
    def service_level(self) -> float | None:
        return 100.0 * self.answered_in_threshold / self.queued if self.queued else None

    @property
    def aht(self) -> float | None:
        return self.handle_seconds / self.handled if self.handled else None


@dataclass
class ReportData:
    window_start: datetime  # the volume window, UTC
    window_end: datetime
    time_zone: str = "UTC"  # the zone times are shown in
    zone_note: str = ""  # why it is that zone, when not obvious
    as_of: datetime | None = None  # the newest agent event: "now" of the board
    interval_minutes: int = 15
    targets: ReportTargets = field(default_factory=ReportTargets)
    thresholds: list[int] = field(default_factory=list)  # the data's service-level thresholds (s)
    intervals: list[Interval] = field(default_factory=list)
    queues: list[dict] = field(default_factory=list)  # per queue × channel with contacts in the window
    queue_count: int = 0  # queues × channels in the tables
    board: list[dict] = field(default_factory=list)  # the real-time board's rows
    schedule_known: bool = True  # the schedule (for adherence now) could be read
    adherence_start: datetime | None = None  # the heat map's window
    adherence_end: datetime | None = None
    adherence: dict[str, list[dict]] = field(default_factory=dict)  # agent → its scheduled intervals
    timeline_start: datetime | None = None
    timeline_end: datetime | None = None
    timeline: dict[str, list[dict]] = field(default_factory=dict)  # agent → periods
    reconciliation: reconciliation_report.Reconciliation | None = None  # None: not collected

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)


def _floor(moment: datetime, step: timedelta) -> datetime:
    return moment - (moment - datetime(2000, 1, 1, tzinfo=UTC)) % step


def _display_zone(targets: ReportTargets, zones: list[str]) -> tuple[str, str]:
    if targets.time_zone:
        return targets.time_zone, "set by WFM_REPORT_TIME_ZONE"
    if len(zones) == 1:
        return zones[0], "the site's time zone"
    if zones:
        return "UTC", f"the sites are in {len(zones)} time zones ({', '.join(sorted(zones))}): times in UTC"
    return "UTC", "no site time zone known yet"


def collect(settings: PipelineSettings, hours: float = 24.0, agent_hours: float = 8.0,
            timeline_hours: float = 4.0) -> ReportData:
    """The report's figures: volume over `hours` up to the newest interval with contacts; the
    heat map over `agent_hours` and the timeline over `timeline_hours` up to the newest event."""
    targets = settings.report_targets
    s = WFM_SCHEMA
    with connect(settings) as query:
        zones = [r["site_time_zone"] for r in query(
            f"select distinct site_time_zone from {s}.wfm_queue where site_time_zone is not null")]
        zone, note = _display_zone(targets, zones)
        lengths = query(f"select interval_start_at, interval_end_at from {s}.wfm_interval_volume limit 1")
        minutes = (round((as_utc(lengths[0]["interval_end_at"]) - as_utc(lengths[0]["interval_start_at"]))
                         .total_seconds() / 60) if lengths else 15)
        step = timedelta(minutes=minutes)
        latest = query(f"""select max(interval_start_at) as t from {s}.wfm_interval_volume
                           where contacts_offered > 0 or contacts_handled > 0 or contacts_abandoned > 0""")[0]["t"]
        newest_event = query(f"select max(last_confirmed_at) as t from {s}.wfm_agent_current_state")[0]["t"]
        end = as_utc(latest) + step if latest else _floor(datetime.now(UTC), step)
        as_of = as_utc(newest_event) if newest_event else None
        data = ReportData(end - timedelta(hours=hours), end, zone, note, as_of, minutes, targets)
        lo, hi = naive_utc(data.window_start), naive_utc(end)

        data.thresholds = sorted(int(r["t"]) for r in query(
            f"""select distinct service_level_threshold_seconds as t from {s}.wfm_interval_volume
                where interval_start_at >= %s and interval_start_at < %s
                  and service_level_threshold_seconds is not null""", (lo, hi)))
        data.queue_count = int(query(f"select count(*) as n from (select distinct instance_id, queue_id, channel "
                                     f"from {s}.wfm_interval_volume) as q")[0]["n"])
        data.queues = query(f"""
            select q.queue_name, v.channel,
                   sum(v.contacts_offered) as offered, sum(v.contacts_queued) as queued,
                   sum(v.contacts_handled) as handled, sum(v.contacts_handled_outbound) as handled_outbound,
                   sum(v.contacts_abandoned) as abandoned,
                   sum(v.contacts_answered_in_threshold) as answered_in_threshold,
                   sum(v.contacts_answered) as answered, sum(v.queue_answer_time_seconds) as answer_seconds,
                   sum(v.handle_time_seconds) as handle_seconds
            from {s}.wfm_interval_volume v
            join {s}.wfm_queue q on q.instance_id = v.instance_id and q.queue_id = v.queue_id
            where v.interval_start_at >= %s and v.interval_start_at < %s
            group by q.queue_name, v.channel
            having sum(v.contacts_offered) + sum(v.contacts_handled) + sum(v.contacts_abandoned) > 0
            order by q.queue_name, v.channel""", (lo, hi))
        by_start = {r["t"]: r for r in query(f"""
            select interval_start_at as t, sum(contacts_offered) as offered, sum(contacts_queued) as queued,
                   sum(contacts_handled) as handled, sum(contacts_handled_outbound) as handled_outbound,
                   sum(contacts_abandoned) as abandoned, sum(contacts_answered_in_threshold) as in_threshold,
                   sum(handle_time_seconds) as handle_seconds
            from {s}.wfm_interval_volume
            where interval_start_at >= %s and interval_start_at < %s
            group by interval_start_at""", (lo, hi))}
        start = data.window_start
        while start < end:  # every interval of the window, a quiet one too
            r = by_start.get(naive_utc(start))
            data.intervals.append(Interval(start) if r is None else Interval(
                start, int(r["offered"]), int(r["queued"]), int(r["handled"]), int(r["handled_outbound"]),
                int(r["abandoned"]), int(r["in_threshold"]), float(r["handle_seconds"] or 0)))
            start += step

        now = as_of or end
        _collect_board(query, data, now)
        data.adherence_end = _floor(now, step) + step
        data.adherence_start = data.adherence_end - timedelta(hours=agent_hours)
        for row in query(f"""
                select a.username, x.interval_start_at, x.scheduled_activity, x.scheduled_seconds,
                       x.adherent_seconds, x.logged_in_seconds
                from {s}.wfm_adherence x
                join {s}.wfm_agent a on a.instance_id = x.instance_id and a.agent_id = x.agent_id
                where x.interval_start_at >= %s and x.interval_start_at < %s and x.scheduled_seconds > 0
                order by a.username, x.interval_start_at""",
                (naive_utc(data.adherence_start), naive_utc(data.adherence_end))):
            data.adherence.setdefault(row["username"], []).append(row)

        data.timeline_end = now
        data.timeline_start = now - timedelta(hours=timeline_hours)
        periods = query(f"""
            select a.username, t.state_start_at, t.state_end_at, t.wfm_state, t.source_status_name,
                   t.activity, t.channel
            from {s}.wfm_agent_state_transaction t
            join {s}.wfm_agent a on a.instance_id = t.instance_id and a.agent_id = t.agent_id
            where (t.state_end_at is null or t.state_end_at > %s) and t.state_start_at < %s
              and t.wfm_state <> 'LOGGED_OUT'
            order by a.username, t.state_start_at""", (naive_utc(data.timeline_start), naive_utc(now)))
        data.reconciliation = reconciliation_report.collect(query, hours)
    data.timeline = _timeline_segments(periods, data.timeline_start, data.timeline_end)
    return data


def _collect_board(query, data: ReportData, now: datetime) -> None:
    """Every logged-in agent, and every agent scheduled now who is not, with the state now and
    whether the activity scheduled now allows it."""
    s = WFM_SCHEMA
    states = query(f"""
        select a.agent_id, a.instance_id, a.username, coalesce(c.wfm_state, 'LOGGED_OUT') as wfm_state,
               c.source_status_name, c.activity, c.channel, c.state_start_at
        from {s}.wfm_agent a
        left join {s}.wfm_agent_current_state c on c.instance_id = a.instance_id and c.agent_id = a.agent_id
        where a.is_active""")
    scheduled: dict[tuple, str] = {}
    allowed: dict[str, set[str]] = defaultdict(set)
    # the schedule with its agents resolved to Connect user ids (what wfm_adherence reads)
    data.schedule_known = (table_exists(query, INTERMEDIATE_SCHEMA, "int_schedule_agents_resolved")
                           and table_exists(query, CONFIG_SCHEMA, "adherence_activity_allowed_states"))
    if data.schedule_known:
        for row in query(f"""select instance_id, agent_id, activity from {INTERMEDIATE_SCHEMA}.int_schedule_agents_resolved
                             where agent_id is not null and start_at <= %s and end_at > %s""",
                         (naive_utc(now), naive_utc(now))):
            scheduled[(row["instance_id"], row["agent_id"])] = row["activity"]
        for row in query(f"select activity, wfm_state from {CONFIG_SCHEMA}.adherence_activity_allowed_states"):
            allowed[row["activity"]].add(row["wfm_state"])
    order = list(STATES)
    board = []
    for row in states:
        activity = scheduled.get((row["instance_id"], row["agent_id"]))
        if row["wfm_state"] == "LOGGED_OUT" and (activity is None or "LOGGED_OUT" in allowed[activity]):
            continue  # logged out and not expected to be logged in now
        adherent = None if activity is None else row["wfm_state"] in allowed[activity]
        board.append({**row, "scheduled_activity": activity, "adherent": adherent,
                      "state_start_at": as_utc(row["state_start_at"]) if row["state_start_at"] else None})
    board.sort(key=lambda r: (r["adherent"] is not False, order.index(r["wfm_state"]) if r["wfm_state"] in order
                              else len(order), r["username"] or ""))
    data.board = board


def _timeline_segments(periods: list[dict], start: datetime, end: datetime) -> dict[str, list[dict]]:
    """Per agent, the periods clipped to [start, end), adjacent ones with the same label merged,
    none shorter than SHORTEST_SEGMENT (a zero-length period draws nothing)."""
    timeline: dict[str, list[dict]] = {}
    for p in periods:
        a = max(as_utc(p["state_start_at"]), start)
        b = min(as_utc(p["state_end_at"]), end) if p["state_end_at"] else end
        if b <= a:
            continue
        label = state_label(p["wfm_state"], p["source_status_name"], p["activity"], p["channel"])
        segments = timeline.setdefault(p["username"], [])
        if segments and segments[-1]["label"] == label and segments[-1]["end"] >= a:
            segments[-1]["end"] = max(segments[-1]["end"], b)
        else:
            segments.append({"start": a, "end": b, "wfm_state": p["wfm_state"], "label": label})
    return {user: kept for user, segments in sorted(timeline.items())
            if (kept := [g for g in segments if g["end"] - g["start"] >= SHORTEST_SEGMENT])}


# -- time as people read it ----------------------------------------------------------------------
def _local(data: ReportData, moment: datetime) -> datetime:
    return moment.astimezone(data.zone)


def zone_abbreviation(zone: str, moment: datetime) -> str:
    """'AEDT'; 'UTC+06' where the zone has no letters for it (tz database '+06')."""
    if zone == "UTC":
        return "UTC"
    name = moment.astimezone(ZoneInfo(zone)).tzname() or zone
    return f"UTC{name}" if name[:1] in "+-" else name


def _abbr(data: ReportData, moment: datetime) -> str:
    return zone_abbreviation(data.time_zone, moment)


def _offset(data: ReportData, moment: datetime) -> str:
    delta = _local(data, moment).utcoffset() or timedelta()
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_text(data: ReportData, moment: datetime | None = None) -> str:
    """'Australia/Sydney (AEDT, UTC+11:00)', 'Asia/Dhaka (UTC+06:00)' or 'UTC'."""
    if data.time_zone == "UTC":
        return "UTC"
    moment = moment or data.window_end
    abbr, offset = _abbr(data, moment), _offset(data, moment)
    return f"{data.time_zone} ({offset})" if abbr.startswith("UTC") else f"{data.time_zone} ({abbr}, {offset})"


def window_text(data: ReportData, start: datetime, end: datetime) -> str:
    """'2026-12-01 23:30 to 2026-12-02 23:30 AEDT', '2026-12-02 08:00 to 11:45 AEDT'."""
    a, b = _local(data, start), _local(data, end)
    abbr_a, abbr_b = _abbr(data, start), _abbr(data, end)
    first = f"{a:%Y-%m-%d %H:%M}" + (f" {abbr_a}" if abbr_a != abbr_b else "")
    second = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%Y-%m-%d %H:%M}"
    return f"{first} to {second} {abbr_b}"


def _hm(data: ReportData, moment: datetime) -> str:
    return f"{_local(data, moment):%H:%M}"


def _span(data: ReportData, start: datetime, end: datetime) -> str:
    """'10:15–10:30 AEDT (23:15–23:30 UTC)' for tooltips."""
    if data.time_zone == "UTC":
        return f"{start:%H:%M}–{end:%H:%M} UTC"
    return (f"{_hm(data, start)}–{_hm(data, end)} {_abbr(data, end)} "
            f"({start.astimezone(UTC):%H:%M}–{end.astimezone(UTC):%H:%M} UTC)")


def _time_html(data: ReportData, moment: datetime, fmt: str = "%H:%M") -> str:
    """Local time, the zone named, UTC on hover."""
    utc = moment.astimezone(UTC)
    return (f'<time datetime="{utc:%Y-%m-%dT%H:%M:%SZ}" title="{utc:%Y-%m-%d %H:%M:%S} UTC">'
            f'{_local(data, moment).strftime(fmt)} {html.escape(_abbr(data, moment))}</time>')


def _duration(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


# -- text ------------------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list], left: int = 2) -> str:
    """Columns aligned: the first `left` to the left, the others (figures) to the right."""
    widths = [max(len(str(v)) for v in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in [header, ["-" * w for w in widths], *rows]:
        lines.append("  ".join(str(v).ljust(w) if i < left else str(v).rjust(w)
                               for i, (v, w) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


def _pct(part, whole) -> str:
    return f"{100 * float(part) / float(whole):.0f}%" if whole else "-"


def _threshold(data: ReportData) -> int:
    """The threshold the figures count answers within (the data's; else the target's)."""
    return data.thresholds[0] if data.thresholds else data.targets.service_level_seconds


def target_text(data: ReportData) -> str:
    t = data.targets
    text = f"target {t.service_level_pct:g}% answered within {t.service_level_seconds} s"
    if data.thresholds and t.service_level_seconds not in data.thresholds:
        text += (f" (the data counts answers within {_threshold(data)} s: tap-amazon-connect's "
                 f"service_level_thresholds_seconds; shown within {_threshold(data)} s)")
    return text


def queue_rows(data: ReportData) -> list[list]:
    rows = []
    for q in data.queues:
        handled, outbound = int(q["handled"]), int(q["handled_outbound"] or 0)
        rows.append([q["queue_name"], q["channel"], int(q["offered"]),
                     f"{handled} ({outbound} out)" if outbound else handled, int(q["abandoned"]),
                     _pct(q["answered_in_threshold"], q["queued"]),
                     f"{float(q['handle_seconds']) / handled:.0f} s" if handled else "-",
                     f"{float(q['answer_seconds'] or 0) / int(q['answered']):.0f} s" if q["answered"] else "-"])
    return rows


QUEUE_HEADER = ["queue", "channel", "offered", "handled", "abandoned", "SL", "AHT", "ASA"]


def _service_level_summary(data: ReportData) -> str:
    with_contacts = [i for i in data.intervals if i.queued]
    if not with_contacts:
        return f"Service level ({target_text(data)}): no contacts ended in the window."
    met = sum(i.service_level >= data.targets.service_level_pct for i in with_contacts)
    overall = _pct(sum(i.answered_in_threshold for i in with_contacts), sum(i.queued for i in with_contacts))
    handled = sum(i.handled for i in data.intervals)
    aht = (f"; AHT {sum(i.handle_seconds for i in data.intervals) / handled:.0f} s" if handled else "")
    if data.targets.aht_seconds:
        aht += f" (target {data.targets.aht_seconds:g} s)"
    return (f"Service level: {overall} answered within {_threshold(data)} s over the window ({target_text(data)}); "
            f"{met} of {len(with_contacts)} intervals with contacts met the target{aht}.")


def board_summary(data: ReportData) -> str:
    logged_in = [r for r in data.board if r["wfm_state"] != "LOGGED_OUT"]
    counts: dict[str, int] = defaultdict(int)
    for row in logged_in:
        counts[row["wfm_state"]] += 1
    order = list(STATES)
    parts = ", ".join(f"{n} {STATES.get(state, (state,))[0].lower()}"
                      for state, n in sorted(counts.items(), key=lambda kv: order.index(kv[0])
                                             if kv[0] in order else len(order)))
    when = f" (as of {_hm(data, data.as_of)} {_abbr(data, data.as_of)})" if data.as_of else ""
    text = f"Agents now{when}: {len(logged_in)} logged in" + (f": {parts}" if parts else "")
    if not data.schedule_known:
        return text + ". Adherence now: the schedule could not be read."
    out = sum(r["adherent"] is False for r in data.board)
    missing = sum(r["wfm_state"] == "LOGGED_OUT" for r in data.board)
    scheduled = sum(r["adherent"] is not None for r in data.board)
    return (text + f". Out of adherence now: {out} of {scheduled} scheduled now"
            + (f" ({missing} scheduled but logged out)" if missing else "") + ".")


def _adherence_totals(data: ReportData) -> tuple[float, float]:
    scheduled = sum(float(c["scheduled_seconds"]) for cells in data.adherence.values() for c in cells)
    adherent = sum(float(c["adherent_seconds"]) for cells in data.adherence.values() for c in cells)
    return scheduled, adherent


def _wrap(line: str, width: int = 100) -> str:
    """A sentence of the summary, wrapped for a terminal (continuation lines indented)."""
    return textwrap.fill(line, width, subsequent_indent="  ", break_on_hyphens=False)


def text(data: ReportData) -> str:
    hours = (data.window_end - data.window_start).total_seconds() / 3600
    shown = len(data.queues)
    out = [_wrap(f"Times in {zone_text(data)}" + (f" ({data.zone_note})" if data.zone_note.startswith("the sites are")
                                                  else "")), "",
           _wrap(f"Contact volume per queue, {window_text(data, data.window_start, data.window_end)} ({hours:g} h; "
                 f"{shown} queue × channel series with contacts in the window"
                 + (f", of {data.queue_count}" if data.queue_count > shown else "") + ")"),
           _table(QUEUE_HEADER, queue_rows(data)),
           _wrap("offered: contacts queued in the interval; handled (incl. outbound), abandoned, SL, AHT: "
                 "contacts that ended in it (Connect's rule)"),
           "", _wrap(_service_level_summary(data)), "", _wrap(board_summary(data))]
    window = window_text(data, data.adherence_start, data.adherence_end) if data.adherence_start else ""
    agent_hours = ((data.adherence_end - data.adherence_start).total_seconds() / 3600
                   if data.adherence_start else 0)
    if data.adherence:
        scheduled, adherent = _adherence_totals(data)
        out += ["", _wrap(f"Adherence, {window} (the last {agent_hours:g} h): {_pct(adherent, scheduled)} of "
                          f"{scheduled / 3600:.1f} scheduled hours across {len(data.adherence)} agents")]
        per_agent = sorted(((user, sum(float(c["scheduled_seconds"]) for c in cells),
                             sum(float(c["adherent_seconds"]) for c in cells))
                            for user, cells in data.adherence.items()), key=lambda a: (a[2] / a[1], a[0]))
        shown = per_agent[:5]
        out.append(f"The {len(shown)} agents with the lowest adherence in the window (of {len(per_agent)}):")
        out.append(_table(["agent", "scheduled", "adherence"],
                          [[user, f"{int(sched) // 3600}:{int(sched) % 3600 // 60:02d} h", _pct(adh, sched)]
                           for user, sched, adh in shown], left=1))
    else:
        out += ["", f"Adherence, {window}: no scheduled time in the window" if window else
                "Adherence: no scheduled time yet"]
    out += ["", _wrap(reconciliation_summary(data))]
    worst = data.reconciliation.worst if data.reconciliation else []
    if worst:
        out.append(f"The {len(worst)} agent-intervals furthest from Connect's figures (events − Connect):")
        out.append(_table(["agent", "interval", "status", "online", "idle", "on contact", "non-productive"],
                          [[r["agent"], f"{_local(data, r['interval_start_at']):%m-%d %H:%M}", r["status"],
                            *(_signed(r[f"{c}_difference_seconds"]) for c in reconciliation_report.JUDGED)]
                           for r in worst], left=3))
    return "\n".join(out)


def _signed(seconds) -> str:
    value = float(seconds or 0)
    return "0" if abs(value) < 0.5 else ("+" if value > 0 else "−") + _duration(abs(value))


def reconciliation_summary(data: ReportData) -> str:
    r = data.reconciliation
    if r is None:
        return ("Is the adherence data complete? Connect's own per-agent time is not collected: "
                "meltano run wfm-reconciliation (README, \"Is the adherence data complete?\").")
    pending = (f"{r.pending} agent-intervals" + (f" after {_hm(data, r.settled_through)} {_abbr(data, r.settled_through)}"
                                                 if r.settled_through else "") + " not settled by Connect yet")
    if r.window_start is None:
        return f"Agent events against Connect's own agent time: {pending}."
    missing, extra = r.statuses.get("events_missing", 0), r.statuses.get("events_extra", 0)
    text = (f"Agent events against Connect's own agent time, {window_text(data, r.window_start, r.window_end)}: "
            f"{r.matched} of {r.settled} agent-intervals match ({_pct(r.matched, r.settled)}); "
            f"{missing} with events missing, {extra} with events extra; {pending}.")
    if r.missing_intervals:
        shown = ", ".join(f"{_hm(data, m['interval_start_at'])} ({m['agents']} agents, "
                          f"{_duration(float(m['online_seconds_missing'] or 0))} online)" for m in r.missing_intervals)
        more = (f" (the newest {len(r.missing_intervals)} of {r.missing_interval_count})"
                if r.missing_interval_count > len(r.missing_intervals) else "")
        text += f" Intervals with agent events missing{more}: {shown}."
    return text


# -- HTML: charts ----------------------------------------------------------------------------------
def _nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2 or 5 × 10^k)."""
    top = max(top, 1.0)
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    ticks, value = [], 0.0
    while value < top + step * 0.001:
        ticks.append(value)
        value += step
    if ticks[-1] < top:
        ticks.append(value)
    return ticks


def _fmt_tick(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


@dataclass
class _Frame:
    """A plot area in an SVG, with its axes: y from 0 to ticks[-1]."""

    width: int
    height: int
    left: int = 62
    right: int = 16
    top: int = 12
    bottom: int = 46
    ticks: list[float] = field(default_factory=lambda: [0.0, 1.0])

    @property
    def inner_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom

    def y(self, value: float) -> float:
        return self.top + self.inner_height * (1 - value / self.ticks[-1])

    def axes(self, y_title: str, x_title: str, unit: str = "") -> str:
        parts = []
        for tick in self.ticks:
            y = self.y(tick)
            parts.append(f'<line class="grid" x1="{self.left}" x2="{self.width - self.right}" y1="{y:.1f}" '
                         f'y2="{y:.1f}"/><text class="tick y" x="{self.left - 6}" y="{y + 4:.1f}">'
                         f'{_fmt_tick(tick)}{unit}</text>')
        base = self.top + self.inner_height
        parts.append(f'<line class="axis" x1="{self.left}" x2="{self.left}" y1="{self.top}" y2="{base}"/>'
                     f'<line class="axis" x1="{self.left}" x2="{self.width - self.right}" y1="{base}" y2="{base}"/>')
        parts.append(f'<text class="axis-title y-title" transform="translate(14 {self.top + self.inner_height / 2:.0f}) '
                     f'rotate(-90)">{html.escape(y_title)}</text>')
        parts.append(f'<text class="axis-title x-title" x="{self.left + self.inner_width / 2:.0f}" '
                     f'y="{self.height - 6}">{html.escape(x_title)}</text>')
        return "".join(parts)


def _x_labels(data: ReportData, frame: _Frame, start: datetime, end: datetime, every_hours: int) -> str:
    """Ticks at whole local hours (every `every_hours`), the date at local midnight."""
    span = (end - start).total_seconds()
    parts = []
    moment = _floor(start, timedelta(hours=1))
    while moment <= end:
        local = _local(data, moment)
        if moment >= start and local.minute == 0 and local.hour % every_hours == 0:
            x = frame.left + frame.inner_width * (moment - start).total_seconds() / span
            base = frame.top + frame.inner_height
            label = f"{local:%b %d}" if local.hour == 0 else f"{local:%H:%M}"
            parts.append(f'<line class="tick-mark" x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}"/>'
                         f'<text class="tick x" x="{x:.1f}" y="{base + 16}">{label}</text>')
        moment += timedelta(hours=1)
    return "".join(parts)


def _x_title(data: ReportData, what: str) -> str:
    return f"{what}, {zone_text(data)}" if data.time_zone != "UTC" else f"{what}, UTC"


def _volume_svg(data: ReportData, width: int = 960, height: int = 270) -> str:
    if not data.intervals:
        return "<p>No intervals yet.</p>"
    top = max(max(i.offered, i.handled + i.abandoned) for i in data.intervals)
    frame = _Frame(width, height, ticks=_nice_ticks(top))
    slot = frame.inner_width / len(data.intervals)
    bar = max(slot * 0.42, 0.8)
    parts = [frame.axes(f"contacts per {data.interval_minutes}-minute interval",
                        _x_title(data, "interval start"))]
    for n, i in enumerate(data.intervals):
        x = frame.left + n * slot
        end = i.start + data.step
        tip = (f"{_span(data, i.start, end)}: offered {i.offered} (queued in this interval); handled {i.handled}"
               + (f" incl. {i.handled_outbound} outbound" if i.handled_outbound else "")
               + f", abandoned {i.abandoned} (ended in this interval)")
        rects = []
        if i.offered:
            rects.append(f'<rect class="offered" x="{x + slot * 0.06:.1f}" y="{frame.y(i.offered):.1f}" '
                         f'width="{bar:.1f}" height="{frame.y(0) - frame.y(i.offered):.1f}"/>')
        if i.handled:
            rects.append(f'<rect class="handled" x="{x + slot * 0.52:.1f}" y="{frame.y(i.handled):.1f}" '
                         f'width="{bar:.1f}" height="{frame.y(0) - frame.y(i.handled):.1f}"/>')
        if i.abandoned:
            rects.append(f'<rect class="abandoned" x="{x + slot * 0.52:.1f}" '
                         f'y="{frame.y(i.handled + i.abandoned):.1f}" width="{bar:.1f}" '
                         f'height="{frame.y(i.handled) - frame.y(i.handled + i.abandoned):.1f}"/>')
        parts.append(f'<g class="interval"><title>{html.escape(tip)}</title>'
                     f'<rect class="hover" x="{x:.1f}" y="{frame.top}" width="{slot:.1f}" '
                     f'height="{frame.inner_height:.1f}"/>{"".join(rects)}</g>')
    parts.append(_x_labels(data, frame, data.window_start, data.window_end, 3))
    return (f'<svg id="volume-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="Contacts offered, handled and abandoned per interval">{"".join(parts)}</svg>')


def _service_level_svg(data: ReportData, width: int = 960, height: int = 220) -> str:
    frame = _Frame(width, height, ticks=[0, 20, 40, 60, 80, 100])
    slot = frame.inner_width / max(len(data.intervals), 1)
    target = data.targets.service_level_pct
    parts = [frame.axes(f"% answered within {_threshold(data)} s", _x_title(data, "interval in which contacts ended"),
                        "%")]
    for n, i in enumerate(data.intervals):
        level = i.service_level
        if level is None:
            continue
        x = frame.left + n * slot
        met = level >= target
        tip = (f"{_span(data, i.start, i.start + data.step)}: {level:.0f}% answered within {_threshold(data)} s "
               f"({i.answered_in_threshold} of {i.queued} queued contacts that ended in this interval); "
               f"target {target:g}%: {'met' if met else 'missed'}")
        parts.append(f'<rect class="sl {"met" if met else "missed"}" x="{x + slot * 0.1:.1f}" '
                     f'y="{frame.y(level):.1f}" width="{max(slot * 0.8, 0.8):.1f}" '
                     f'height="{frame.y(0) - frame.y(level):.1f}"><title>{html.escape(tip)}</title></rect>')
    y = frame.y(target)
    parts.append(f'<line class="target" x1="{frame.left}" x2="{width - frame.right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                 f'<text class="target-label" x="{frame.left + 4}" y="{y - 4:.1f}">target {target:g}%</text>')
    parts.append(_x_labels(data, frame, data.window_start, data.window_end, 3))
    return (f'<svg id="service-level-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="Service level per interval against the target">{"".join(parts)}</svg>')


def _aht_svg(data: ReportData, width: int = 960, height: int = 220) -> str:
    values = [i.aht for i in data.intervals if i.aht is not None]
    target = data.targets.aht_seconds
    frame = _Frame(width, height, ticks=_nice_ticks(max([*values, target or 0, 1])))
    slot = frame.inner_width / max(len(data.intervals), 1)
    parts = [frame.axes("average handle time, seconds", _x_title(data, "interval in which contacts ended"), " s")]
    for n, i in enumerate(data.intervals):
        if i.aht is None:
            continue
        x = frame.left + n * slot
        over = target is not None and i.aht > target
        tip = (f"{_span(data, i.start, i.start + data.step)}: AHT {i.aht:.0f} s over {i.handled} handled contacts"
               + (f" (incl. {i.handled_outbound} outbound)" if i.handled_outbound else "")
               + (f"; target {target:g} s: {'over' if over else 'met'}" if target else ""))
        parts.append(f'<rect class="aht{" over" if over else ""}" x="{x + slot * 0.1:.1f}" y="{frame.y(i.aht):.1f}" '
                     f'width="{max(slot * 0.8, 0.8):.1f}" height="{frame.y(0) - frame.y(i.aht):.1f}">'
                     f'<title>{html.escape(tip)}</title></rect>')
    if target:
        y = frame.y(target)
        parts.append(f'<line class="target" x1="{frame.left}" x2="{width - frame.right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="target-label" x="{frame.left + 4}" y="{y - 4:.1f}">target {target:g} s</text>')
    parts.append(_x_labels(data, frame, data.window_start, data.window_end, 3))
    return (f'<svg id="aht-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="Average handle time per interval">{"".join(parts)}</svg>')


def _adherence_colour(pct: float) -> str:
    return next(colour for bound, colour, _ in ADHERENCE_BANDS if pct >= bound)


def _heatmap_svg(data: ReportData, width: int = 960, row: int = 16) -> str:
    if not data.adherence:
        return '<p id="adherence-heatmap">No scheduled time in the window.</p>'
    label, right = 150, 52
    start, end = data.adherence_start, data.adherence_end
    columns = int((end - start) / data.step)
    cell = (width - label - right) / columns
    top = 4
    parts = []
    for r, (user, cells) in enumerate(data.adherence.items()):
        y = top + r * row
        scheduled = sum(float(c["scheduled_seconds"]) for c in cells)
        adherent = sum(float(c["adherent_seconds"]) for c in cells)
        parts.append(f'<text class="agent" x="0" y="{y + row - 4}">{html.escape(user)}</text>'
                     f'<rect class="lane" x="{label}" y="{y + 1}" width="{cell * columns:.1f}" height="{row - 2}"/>')
        for c in cells:
            at = as_utc(c["interval_start_at"])
            sched, adh = float(c["scheduled_seconds"]), float(c["adherent_seconds"])
            pct = 100 * adh / sched
            so_far = data.as_of is not None and at + data.step > data.as_of
            tip = (f"{user} · {_span(data, at, at + data.step)}{' (so far)' if so_far else ''} · scheduled "
                   f"{c['scheduled_activity']} {_duration(sched)} · adherent {_duration(adh)} · {pct:.0f}%"
                   f" (out of adherence {_duration(sched - adh)})")
            x = label + (at - start).total_seconds() / data.step.total_seconds() * cell
            parts.append(f'<rect class="cell" x="{x + 0.5:.1f}" y="{y + 1}" width="{max(cell - 1, 0.5):.1f}" '
                         f'height="{row - 2}" fill="{_adherence_colour(pct)}"><title>{html.escape(tip)}</title></rect>')
        parts.append(f'<text class="agent-pct" x="{width - 4}" y="{y + row - 4}">{_pct(adherent, scheduled)}</text>')
    height = top + row * len(data.adherence) + 40
    frame = _Frame(width, height, left=label, right=right, top=top, bottom=40)
    parts.append(_x_labels(data, frame, start, end, 1))
    parts.append(f'<text class="axis-title x-title" x="{label + (width - label - right) / 2:.0f}" y="{height - 4}">'
                 f'{html.escape(_x_title(data, "interval start"))}</text>')
    return (f'<svg id="adherence-heatmap" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="Adherence per agent and interval">{"".join(parts)}</svg>')


def _timeline_svg(data: ReportData, width: int = 960, row: int = 18) -> str:
    if not data.timeline:
        return '<p id="state-timeline">No agent was logged in during the window.</p>'
    label, right = 150, 16
    start, end = data.timeline_start, data.timeline_end
    scale = (width - label - right) / (end - start).total_seconds()
    parts = []
    for r, (user, segments) in enumerate(data.timeline.items()):
        y = r * row
        parts.append(f'<text class="agent" x="0" y="{y + row - 5}">{html.escape(user)}</text>')
        for g in segments:
            colour = STATES.get(g["wfm_state"], ("", "#9e9e9e"))[1]
            tip = f"{user}: {g['label']}, {_span(data, g['start'], g['end'])}, {_duration((g['end'] - g['start']).total_seconds())}"
            parts.append(f'<rect class="state" x="{label + (g["start"] - start).total_seconds() * scale:.2f}" '
                         f'y="{y + 2}" width="{(g["end"] - g["start"]).total_seconds() * scale:.2f}" '
                         f'height="{row - 4}" fill="{colour}"><title>{html.escape(tip)}</title></rect>')
    height = row * len(data.timeline) + 40
    frame = _Frame(width, height, left=label, right=right, top=0, bottom=40)
    parts.append(f'<line class="axis" x1="{label}" x2="{width - right}" y1="{height - 40}" y2="{height - 40}"/>')
    parts.append(_x_labels(data, frame, start, end, 1))
    parts.append(f'<text class="axis-title x-title" x="{label + (width - label - right) / 2:.0f}" y="{height - 4}">'
                 f'{html.escape(_x_title(data, "time"))}</text>')
    return (f'<svg id="state-timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="Agent states over time">{"".join(parts)}</svg>')


# -- HTML: tables and page -----------------------------------------------------------------------
def _chip(wfm_state: str) -> str:
    colour = STATES.get(wfm_state, ("", "#9e9e9e"))[1]
    return f'<i class="chip" style="background:{colour}"></i>'


def _board_html(data: ReportData) -> str:
    if not data.board:
        return '<p id="realtime-board">No agent is logged in or scheduled now.</p>'
    rows = []
    for r in data.board:
        since = r["state_start_at"]
        in_state = _duration((data.as_of - since).total_seconds()) if since and data.as_of else "-"
        if r["adherent"] is None:
            adherence = '<td class="adh none">not scheduled now</td>' if data.schedule_known else "<td>-</td>"
        elif r["adherent"]:
            adherence = '<td class="adh in">in adherence</td>'
        else:
            adherence = '<td class="adh out">out of adherence</td>'
        label = state_label(r["wfm_state"], r["source_status_name"], r["activity"], r["channel"])
        rows.append(f'<tr class="{"out" if r["adherent"] is False else ""}"><td>{html.escape(r["username"] or "")}</td>'
                    f'<td>{_chip(r["wfm_state"])}{html.escape(label)}</td>'
                    f'<td>{_time_html(data, since) if since else "-"}</td><td>{in_state}</td>'
                    f'<td>{html.escape((r["scheduled_activity"] or "-").lower())}</td>{adherence}</tr>')
    return ('<table id="realtime-board"><tr><th>agent</th><th>state now</th><th>since</th><th>time in state</th>'
            f'<th>scheduled now</th><th>adherence now</th></tr>{"".join(rows)}</table>')


def _reconciliation_html(data: ReportData) -> str:
    """Connect's own per-agent time against the agent events (README, "Is the adherence data complete?")."""
    r = data.reconciliation
    head = ('<h2>Is the adherence data complete?</h2>\n<p class="note">Each agent\'s online, idle, on-contact and '
            "non-productive time per interval from the agent events, against Amazon Connect's own figures for the "
            "same agent and interval (GetMetricDataV2): <b>match</b> within the tolerance; <b>events missing</b>: "
            "Connect counted more (events lost, for instance a collector down longer than the stream keeps them, "
            "or dead-lettered); <b>events extra</b>: the events count more. Table wfm.wfm_agent_reconciliation.</p>")
    summary = f'<p id="reconciliation">{html.escape(reconciliation_summary(data))}</p>'
    if r is None or not r.worst:
        return f"{head}\n{summary}"
    cells = "".join(
        f'<tr><td>{html.escape(str(w["agent"]))}</td><td>{_span(data, w["interval_start_at"], w["interval_start_at"] + data.step)}</td>'
        f'<td>{html.escape(w["status"].replace("_", " "))}</td>'
        + "".join(f"<td>{_signed(w[f'{c}_difference_seconds'])}</td>" for c in reconciliation_report.JUDGED)
        + f'<td>{_duration(float(w["events_online_seconds"] or 0))} / {_duration(float(w["connect_online_seconds"] or 0))}</td></tr>'
        for w in r.worst)
    table = ('<table id="reconciliation-worst"><tr><th>agent</th><th>interval</th><th>status</th><th>online</th>'
             '<th>idle</th><th>on contact</th><th>non-productive</th><th>online: events / Connect</th></tr>'
             f"{cells}</table>")
    return (f'{head}\n{summary}\n<p class="note">The {len(r.worst)} agent-intervals furthest from Connect\'s figures '
            f"in the window (differences: events − Connect):</p>\n{table}")


def _legend(items) -> str:
    return "".join(f'<span><i style="background:{colour}"></i>{html.escape(name)}</span>' for name, colour in items)


STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 20px; margin-bottom: 4px; } h2 { font-size: 16px; margin: 30px 0 4px; }
p.note { color: #555; margin: 2px 0 8px; font-size: 13px; }
table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
td:first-child, th:first-child, #realtime-board td, #realtime-board th { text-align: left; }
#realtime-board tr.out td { background: #fdecea; } td.adh.out { color: #b71c1c; font-weight: 600; }
td.adh.in { color: #1b5e20; } td.adh.none { color: #777; }
i.chip { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
time { border-bottom: 1px dotted #999; cursor: help; }
svg text { font-size: 11px; fill: #555; } svg text.tick.y { text-anchor: end; } svg text.tick.x { text-anchor: middle; }
svg text.axis-title { font-size: 12px; fill: #333; text-anchor: middle; }
svg line.grid { stroke: #eee; } svg line.axis, svg line.tick-mark { stroke: #888; }
svg line.target { stroke: #c62828; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg text.target-label { fill: #c62828; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
rect.offered { fill: #90caf9; } rect.handled { fill: #1565c0; } rect.abandoned { fill: #e53935; }
rect.hover { fill: transparent; } g.interval:hover rect.hover { fill: #f3f3f3; }
rect.sl.met { fill: #43a047; } rect.sl.missed { fill: #fb8c00; } rect.aht { fill: #5c6bc0; } rect.aht.over { fill: #fb8c00; }
rect.lane { fill: #f5f5f5; } svg text.agent-pct { text-anchor: end; }
.legend span { margin-right: 14px; } .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
pre { background: #f6f8fa; padding: 12px; white-space: pre-wrap; }
"""


def html_page(data: ReportData, report_text: str) -> str:
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in queue_rows(data))
    hours = (data.window_end - data.window_start).total_seconds() / 3600
    outbound = sum(i.handled_outbound for i in data.intervals)
    as_of = _time_html(data, data.as_of, "%Y-%m-%d %H:%M") if data.as_of else "no agent event yet"
    logged_in = sum(r["wfm_state"] != "LOGGED_OUT" for r in data.board)
    missing = len(data.board) - logged_in
    scheduled_now = sum(r["adherent"] is not None for r in data.board)
    adherence_window = (window_text(data, data.adherence_start, data.adherence_end)
                        if data.adherence_start else "")
    agent_hours = ((data.adherence_end - data.adherence_start).total_seconds() / 3600
                   if data.adherence_start else 0)
    timeline_hours = ((data.timeline_end - data.timeline_start).total_seconds() / 3600
                      if data.timeline_start else 0)
    timeline_window = window_text(data, data.timeline_start, data.timeline_end) if data.timeline_start else ""
    state_legend = _legend((label, colour) for label, colour in STATES.values() if label != "Logged out")
    band_legend = _legend((name, colour) for _, colour, name in ADHERENCE_BANDS)
    aht_target = (f"target {data.targets.aht_seconds:g} s (dashed line; WFM_AHT_TARGET_SECONDS)"
                  if data.targets.aht_seconds else "no AHT target set (WFM_AHT_TARGET_SECONDS)")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Amazon Connect WFM report</title>
<style>{STYLE}</style></head><body>
<h1>Amazon Connect → WFM</h1>
<p class="note" id="report-zone">Times in {html.escape(zone_text(data))}{' — ' + html.escape(data.zone_note) if data.zone_note else ''}; hover a time for UTC.
Data as of {as_of} (the newest agent event).</p>

<h2>Contacts per {data.interval_minutes}-minute interval</h2>
<p class="note">{html.escape(window_text(data, data.window_start, data.window_end))} ({hours:g} h), every queue and channel.
<b>Offered</b> counts a contact in the interval it was queued; <b>handled</b> and <b>abandoned</b> count it in the interval
it ended (disconnected), as Amazon Connect does — so in one interval handled + abandoned can exceed offered.
Handled includes outbound calls ({outbound} in the window), which are never offered.</p>
<p class="legend">{_legend([("offered (queued in the interval)", "#90caf9"), ("handled (ended in the interval)", "#1565c0"), ("abandoned (ended in the interval)", "#e53935")])}</p>
{_volume_svg(data)}

<h2>Service level per interval</h2>
<p class="note">Share of the queued contacts that ended in the interval that were answered within {_threshold(data)} s;
{html.escape(target_text(data))} (dashed line; WFM_SERVICE_LEVEL_TARGET). Intervals where no queued contact ended have no bar.</p>
<p class="legend">{_legend([("target met", "#43a047"), ("below target", "#fb8c00")])}</p>
{_service_level_svg(data)}

<h2>Average handle time per interval</h2>
<p class="note">Talk + hold + after-contact work per handled contact (outbound included), by the interval the contact
ended; {html.escape(aht_target)}.</p>
{_aht_svg(data)}

<h2>Volume per queue</h2>
<p class="note">{html.escape(window_text(data, data.window_start, data.window_end))}; the {len(data.queues)} queue × channel
series with contacts in the window{f" (of {data.queue_count})" if data.queue_count > len(data.queues) else ""}.
SL: answered within {_threshold(data)} s of the queued contacts that ended; ASA over contacts answered from the queue.</p>
<table id="queue-volume"><tr>{"".join(f"<th>{h}</th>" for h in QUEUE_HEADER)}</tr>{rows}</table>

<h2>Agents now</h2>
<p class="note">As of {as_of}: every logged-in agent ({logged_in}){f" and every agent scheduled now who is not logged in ({missing})" if missing else ""};
adherence now compares the state now with the activity scheduled now ({scheduled_now} agents scheduled now);
out of adherence first.</p>
{_board_html(data)}

<h2>Adherence per agent and interval</h2>
<p class="note">{html.escape(adherence_window)} (the last {agent_hours:g} h), every agent with scheduled time in the window
({len(data.adherence)}); a cell is the share of the interval's scheduled time spent in a state the activity allows
(the current interval: so far); no cell: nothing scheduled. Right: the agent's adherence over the window.</p>
<p class="legend">{band_legend}</p>
{_heatmap_svg(data)}

<h2>Agent states</h2>
<p class="note">{html.escape(timeline_window)} (the last {timeline_hours:g} h), every agent logged in during the window
({len(data.timeline)}); blank: logged out.</p>
<p class="legend">{state_legend}</p>
{_timeline_svg(data)}

{_reconciliation_html(data)}

<h2>Summary</h2>
<pre id="summary">{html.escape(report_text)}</pre>
</body></html>
"""


def write(settings: PipelineSettings, hours: float = 24.0) -> tuple[str, Path]:
    data = collect(settings, hours)
    report_text = text(data)
    path = settings.output_dir / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_page(data, report_text))
    return report_text, path
