"""Historical metrics (GetMetricData V1 and GetMetricDataV2) against the simulation's truth."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from connect_sim.api.historical import merge_figures
from connect_sim.metrics import figures_by_interval

QUARTER_MS = 15 * 60_000

# V1 metric → the V2 metric with the same figure.
V1_TO_V2 = {
    ("CONTACTS_QUEUED", "SUM", "COUNT"): "CONTACTS_QUEUED",
    ("CONTACTS_HANDLED", "SUM", "COUNT"): "CONTACTS_HANDLED",
    ("CONTACTS_ABANDONED", "SUM", "COUNT"): "CONTACTS_ABANDONED",
    ("CONTACTS_TRANSFERRED_OUT", "SUM", "COUNT"): "CONTACTS_TRANSFERRED_OUT",
    ("CONTACTS_MISSED", "SUM", "COUNT"): "AGENT_NON_RESPONSE",
    ("HANDLE_TIME", "AVG", "SECONDS"): "AVG_HANDLE_TIME",
    ("AFTER_CONTACT_WORK_TIME", "AVG", "SECONDS"): "AVG_AFTER_CONTACT_WORK_TIME",
    ("QUEUE_ANSWER_TIME", "AVG", "SECONDS"): "AVG_QUEUE_ANSWER_TIME",
    ("ABANDON_TIME", "AVG", "SECONDS"): "AVG_ABANDON_TIME",
    ("QUEUED_TIME", "MAX", "SECONDS"): "MAX_QUEUED_TIME",
    ("HOLD_TIME", "AVG", "SECONDS"): "AVG_HOLD_TIME",
    ("INTERACTION_TIME", "AVG", "SECONDS"): "AVG_INTERACTION_TIME",
    ("INTERACTION_AND_HOLD_TIME", "AVG", "SECONDS"): "AVG_INTERACTION_AND_HOLD_TIME",
}
SL20_V1 = {"Name": "SERVICE_LEVEL", "Statistic": "AVG", "Unit": "PERCENT",
           "Threshold": {"Comparison": "LT", "ThresholdValue": 20}}
SL20_V2 = {"Name": "SERVICE_LEVEL", "Threshold": [{"Comparison": "LT", "ThresholdValue": 20}]}


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _standard_queue_ids(rig) -> list[str]:
    return [q.id for q in rig.world.directory.queues_of(rig.instance.id)
            if q.queue_type == "STANDARD"]


def _standard_segments(rig, start_ms: int, end_ms: int) -> list:
    """Segments of the standard queues (the filter of these tests; transfers to agents
    queue in agent queues) with a figure in the window: enqueued or ended in it."""
    queue_ids = set(_standard_queue_ids(rig))
    return [s for s in rig.world.segments_for_window(rig.instance.id, start_ms, end_ms)
            if s.queue_id in queue_ids]


def _ended_in(segments: list, start_ms: int, end_ms: int) -> list:
    """The segments whose contact record's disconnect time falls in the window."""
    return [s for s in segments if s.ended_ms is not None and start_ms <= s.ended_ms < end_ms]


def _truth(rig, start_ms: int, end_ms: int, interval_ms: int = QUARTER_MS) -> dict:
    """The figures the API should give for the window, as of now (every queue)."""
    return figures_by_interval(
        rig.world.segments_for_window(rig.instance.id, start_ms, end_ms), interval_ms,
        rig.world.visible_ms, as_of_ms=rig.clock.now_ms(), start_ms=start_ms, end_ms=end_ms)


def _values(row: dict) -> dict[str, float | None]:
    return {d["Metric"]["Name"]: d.get("Value") for d in row["Collections"]}


def _v2(rig, start_ms: int, end_ms: int, metrics: list[dict], groupings=("QUEUE", "CHANNEL"),
        period: str | None = "FIFTEEN_MIN", filters: list[dict] | None = None,
        time_zone: str = "UTC") -> list[dict]:
    request = dict(
        ResourceArn=rig.instance.arn, StartTime=_utc(start_ms), EndTime=_utc(end_ms),
        Filters=filters or [{"FilterKey": "QUEUE", "FilterValues": _standard_queue_ids(rig)}],
        Groupings=list(groupings), Metrics=metrics, MaxResults=100,
    )
    if period:
        request["Interval"] = {"IntervalPeriod": period, "TimeZone": time_zone}
    client = rig.client()
    pages = [client.get_metric_data_v2(**request)]
    while "NextToken" in pages[-1]:
        pages.append(client.get_metric_data_v2(**request, NextToken=pages[-1]["NextToken"]))
    return [row for page in pages for row in page["MetricResults"]]


def _row_key(row: dict) -> tuple:
    dims = row["Dimensions"]
    start = row.get("MetricInterval", {}).get("StartTime")
    return (dims.get("QUEUE"), dims.get("CHANNEL"), _ms(start) if start else None)


@pytest.fixture(scope="module")
def rig(shared_connect_rig):
    return shared_connect_rig


@pytest.fixture(scope="module")
def quarter_hours(rig) -> list[tuple[int, int]]:
    now = rig.clock.now_ms()
    last_end = now - now % QUARTER_MS
    return [(last_end - n * QUARTER_MS, last_end - (n - 1) * QUARTER_MS) for n in range(8, 0, -1)]


def test_v1_totals_equal_v2_rows_for_the_same_quarter_hour(rig, quarter_hours):
    client = rig.client()
    v1_metrics = [{"Name": n, "Statistic": s, "Unit": u} for n, s, u in V1_TO_V2] + [SL20_V1]
    v2_metrics = [{"Name": name} for name in V1_TO_V2.values()] + [SL20_V2]
    compared = 0
    for start_ms, end_ms in quarter_hours:
        v1 = client.get_metric_data(
            InstanceId=rig.instance.id, StartTime=_utc(start_ms), EndTime=_utc(end_ms),
            Filters={"Queues": _standard_queue_ids(rig)}, Groupings=["QUEUE", "CHANNEL"],
            HistoricalMetrics=v1_metrics)["MetricResults"]
        v2 = {_row_key(row)[:2]: _values(row) for row in _v2(rig, start_ms, end_ms, v2_metrics)}

        assert {(r["Dimensions"]["Queue"]["Id"], r["Dimensions"]["Channel"]) for r in v1} == set(v2)
        for row in v1:
            key = (row["Dimensions"]["Queue"]["Id"], row["Dimensions"]["Channel"])
            for datum in row["Collections"]:
                metric = datum["Metric"]
                v2_name = V1_TO_V2.get((metric["Name"], metric["Statistic"], metric["Unit"]),
                                       "SERVICE_LEVEL")
                assert datum.get("Value") == v2[key][v2_name], (key, metric)
                compared += 1
    assert compared > 100


def test_v1_without_grouping_is_one_total_of_the_rows(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]
    answer = rig.client().get_metric_data(
        InstanceId=rig.instance.id, StartTime=_utc(start_ms), EndTime=_utc(end_ms),
        Filters={"Queues": _standard_queue_ids(rig)},
        HistoricalMetrics=[{"Name": "CONTACTS_QUEUED", "Statistic": "SUM", "Unit": "COUNT"}])

    rows = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED"}])

    assert len(answer["MetricResults"]) == 1
    assert answer["MetricResults"][0]["Dimensions"] == {}
    total = answer["MetricResults"][0]["Collections"][0]["Value"]
    assert total == sum(_values(r)["CONTACTS_QUEUED"] for r in rows) > 0


def test_v2_rows_exist_only_where_contacts_were(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]
    segments = _standard_segments(rig, start_ms, end_ms)

    rows = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED"},
                                       {"Name": "CONTACTS_QUEUED_BY_ENQUEUE"}])

    def quarter(t_ms: int) -> int:
        return t_ms - t_ms % QUARTER_MS

    # outbound calls are never queued; CONTACTS_QUEUED counts by the disconnect time,
    # CONTACTS_QUEUED_BY_ENQUEUE by the enqueue time
    by_enqueue = Counter((s.queue_id, s.channel, quarter(s.enqueue_ms)) for s in segments
                         if not s.outbound and start_ms <= s.enqueue_ms < end_ms)
    by_disconnect = Counter((s.queue_id, s.channel, quarter(s.ended_ms))
                            for s in _ended_in(segments, start_ms, end_ms) if not s.outbound)
    outbound = {(s.queue_id, s.channel, quarter(s.ended_ms))
                for s in _ended_in(segments, start_ms, end_ms) if s.outbound}
    got = {_row_key(r): _values(r) for r in rows}
    assert set(got) == set(by_enqueue) | set(by_disconnect) | outbound
    assert {k: v["CONTACTS_QUEUED_BY_ENQUEUE"] for k, v in got.items() if v["CONTACTS_QUEUED_BY_ENQUEUE"]} \
        == by_enqueue
    assert {k: v["CONTACTS_QUEUED"] for k, v in got.items() if v["CONTACTS_QUEUED"]} == by_disconnect
    assert by_enqueue != by_disconnect  # some contacts end in a later quarter hour
    possible = len(_standard_queue_ids(rig)) * 3 * len(quarter_hours)
    assert len(rows) < possible  # some quarter hours of some queue/channel were empty
    for row in rows:
        interval = row["MetricInterval"]
        assert interval["Interval"] == "FIFTEEN_MIN"
        assert interval["EndTime"] - interval["StartTime"] == timedelta(minutes=15)


def test_averages_are_over_their_denominators_and_null_without_one(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]
    names = ["CONTACTS_HANDLED", "CONTACTS_ABANDONED", "AVG_QUEUE_ANSWER_TIME", "AVG_TALK_TIME",
             "AVG_ABANDON_TIME", "AVG_HANDLE_TIME", "SUM_HANDLE_TIME", "SUM_HOLD_TIME",
             "SUM_INTERACTION_TIME", "SUM_AFTER_CONTACT_WORK_TIME", "MAX_QUEUED_TIME"]
    rows = _v2(rig, start_ms, end_ms, [{"Name": n} for n in names])
    truth = _truth(rig, start_ms, end_ms)
    without_abandons = with_abandons = with_outbound = 0
    for row in rows:
        values, figures = _values(row), truth[_row_key(row)]
        handled, abandoned = figures.contacts_handled, figures.contacts_abandoned
        answered = figures.contacts_answered  # queued and answered: not the outbound calls
        assert answered == handled - figures.contacts_handled_outbound
        assert values["CONTACTS_HANDLED"] == handled
        assert values["SUM_HANDLE_TIME"] == figures.handle_ms / 1000
        assert values["SUM_HOLD_TIME"] == figures.hold_ms / 1000
        assert values["SUM_INTERACTION_TIME"] == figures.talk_ms / 1000
        assert values["SUM_AFTER_CONTACT_WORK_TIME"] == figures.acw_ms / 1000
        if answered:
            assert values["AVG_QUEUE_ANSWER_TIME"] == pytest.approx(
                figures.queue_answer_ms / 1000 / answered)
        else:
            assert values["AVG_QUEUE_ANSWER_TIME"] is None
        if answered and figures.contacts_handled_outbound and figures.queue_answer_ms:
            with_outbound += 1
            assert values["AVG_QUEUE_ANSWER_TIME"] * handled != pytest.approx(
                figures.queue_answer_ms / 1000)
        if handled:
            assert values["AVG_TALK_TIME"] == pytest.approx(figures.talk_ms / 1000 / handled)
            assert values["AVG_HANDLE_TIME"] == pytest.approx(figures.handle_ms / 1000 / handled)
        else:
            assert values["AVG_HANDLE_TIME"] is None
        if answered or abandoned:
            assert values["MAX_QUEUED_TIME"] == figures.max_queued_ms / 1000
        else:
            assert "MAX_QUEUED_TIME" not in {d["Metric"]["Name"] for d in row["Collections"]
                                             if "Value" in d}
        if abandoned:
            with_abandons += 1
            assert values["AVG_ABANDON_TIME"] == pytest.approx(
                figures.abandon_ms / 1000 / abandoned)
        else:
            without_abandons += 1
            assert values["AVG_ABANDON_TIME"] is None
    assert with_abandons and without_abandons and with_outbound


def test_thresholds_count_waits_less_than_or_up_to_x(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]
    metrics = [{"Name": "SUM_CONTACTS_ANSWERED_IN_X",
                "Threshold": [{"Comparison": "LT", "ThresholdValue": 20}]},
               {"Name": "SUM_CONTACTS_ABANDONED_IN_X",
                "Threshold": [{"Comparison": "LTE", "ThresholdValue": 30}]},
               SL20_V2]
    rows = _v2(rig, start_ms, end_ms, metrics)
    truth = _truth(rig, start_ms, end_ms)

    for row in rows:
        values, figures = [d.get("Value") for d in row["Collections"]], truth[_row_key(row)]
        answered = sum(1 for w in figures.answer_waits_ms if w < 20_000)
        assert values[0] == answered == figures.answered_within(20)
        assert values[1] == sum(1 for w in figures.abandon_waits_ms if w <= 30_000)
        removed = figures.contacts_answered + figures.contacts_abandoned  # outbound never queued
        within = answered + sum(1 for w in figures.abandon_waits_ms if w < 20_000)
        assert values[2] == (pytest.approx(100 * within / removed) if removed else None)


def test_total_without_interval_is_one_row_per_group_without_metric_interval(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]

    totals = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED"}], groupings=["QUEUE"],
                 period=None)
    rows = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED"}], groupings=["QUEUE"])

    per_queue = Counter()
    for row in rows:
        per_queue[row["Dimensions"]["QUEUE"]] += _values(row)["CONTACTS_QUEUED"]
    assert all("MetricInterval" not in row for row in totals)
    assert {r["Dimensions"]["QUEUE"]: _values(r)["CONTACTS_QUEUED"] for r in totals} == per_queue


def test_day_intervals_start_at_local_midnight(connect_rig):
    rig = connect_rig(hours=60)
    zone = rig.instance.time_zone  # America/Chicago: UTC-6 in November
    now_ms = rig.clock.now_ms()
    start_ms = rig.world.config.start_ms

    rows = _v2(rig, start_ms, now_ms, [{"Name": "CONTACTS_QUEUED"}, {"Name": "CONTACTS_QUEUED_BY_ENQUEUE"}],
               groupings=[], period="DAY", time_zone=zone)

    starts = [_ms(r["MetricInterval"]["StartTime"]) for r in rows]
    assert [(s - start_ms) / 3_600_000 for s in starts] == [0, 6, 30, 54]  # clipped first day
    segments = [s for s in rig.world.segments_for_window(rig.instance.id, start_ms, now_ms)
                if s.queue_id in set(_standard_queue_ids(rig)) and not s.outbound]
    edges = [*starts[1:], now_ms]
    for row, lo, hi in zip(rows, starts, edges, strict=True):
        assert _ms(row["MetricInterval"]["EndTime"]) == hi
        assert _values(row)["CONTACTS_QUEUED_BY_ENQUEUE"] == sum(
            1 for s in segments if lo <= s.enqueue_ms < hi)
        assert _values(row)["CONTACTS_QUEUED"] == len(_ended_in(segments, lo, hi))


def test_hour_intervals_follow_half_hour_time_zones(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]

    rows = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED"}], groupings=[], period="HOUR",
               time_zone="Asia/Kolkata")

    assert {_ms(r["MetricInterval"]["StartTime"]) % 3_600_000 for r in rows[1:]} == {1_800_000}


def test_queues_can_be_named_by_arn_in_filters(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]
    queues = [q for q in rig.world.directory.queues_of(rig.instance.id)
              if q.queue_type == "STANDARD"]

    by_id = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED"}],
                filters=[{"FilterKey": "QUEUE", "FilterValues": [queues[0].id]}])
    by_arn = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED"}],
                 filters=[{"FilterKey": "QUEUE", "FilterValues": [queues[0].arn]}])

    assert by_id == by_arn
    assert {r["Dimensions"]["QUEUE_ARN"] for r in by_id} == {queues[0].arn}


def test_grouping_by_agent_and_hierarchy_follows_who_took_the_contact(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]
    segments = _ended_in(_standard_segments(rig, start_ms, end_ms), start_ms, end_ms)
    handled_by = Counter(s.agent_user_id for s in segments if s.handled)
    agent_id = handled_by.most_common(1)[0][0]

    by_agent = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_HANDLED"}], groupings=["AGENT"],
                   period=None)
    one_agent = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_HANDLED"}], groupings=[],
                    period=None, filters=[
                        {"FilterKey": "AGENT", "FilterValues": [agent_id]},
                        {"FilterKey": "QUEUE", "FilterValues": _standard_queue_ids(rig)}])
    by_team = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_HANDLED"}],
                  groupings=["AGENT_HIERARCHY_LEVEL_TWO"], period=None)

    assert {r["Dimensions"]["AGENT"]: _values(r)["CONTACTS_HANDLED"] for r in by_agent} == {
        agent: count for agent, count in handled_by.items() if agent}
    assert _values(one_agent[0])["CONTACTS_HANDLED"] == handled_by[agent_id]
    teams = {g.id: g for g in rig.world.directory.hierarchy_groups if g.level_id == "2"}
    assert {r["Dimensions"]["AGENT_HIERARCHY_LEVEL_TWO"] for r in by_team} <= set(teams)
    assert all(r["Dimensions"]["AGENT_HIERARCHY_LEVEL_TWO_ARN"] ==
               teams[r["Dimensions"]["AGENT_HIERARCHY_LEVEL_TWO"]].arn for r in by_team)
    assert sum(_values(r)["CONTACTS_HANDLED"] for r in by_team) == sum(
        count for agent, count in handled_by.items() if agent)


def test_initiation_method_filters_count_transfers(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]
    segments = _ended_in(_standard_segments(rig, start_ms, end_ms), start_ms, end_ms)
    transfers = sum(1 for s in segments if s.initiation_method == "TRANSFER")
    method = {"MetricFilterKey": "INITIATION_METHOD", "MetricFilterValues": ["TRANSFER"]}

    rows = _v2(rig, start_ms, end_ms, [
        {"Name": "CONTACTS_QUEUED"},
        {"Name": "CONTACTS_QUEUED", "MetricFilters": [method]},
        {"Name": "CONTACTS_QUEUED", "MetricFilters": [{**method, "Negate": True}]},
    ], groupings=[], period=None)
    v1 = rig.client().get_metric_data(
        InstanceId=rig.instance.id, StartTime=_utc(start_ms), EndTime=_utc(end_ms),
        Filters={"Queues": _standard_queue_ids(rig)},
        HistoricalMetrics=[{"Name": "CONTACTS_TRANSFERRED_IN", "Statistic": "SUM",
                            "Unit": "COUNT"}])

    everything, transferred, not_transferred = (d["Value"] for d in rows[0]["Collections"])
    assert transfers > 0
    assert transferred == transfers
    assert not_transferred == everything - transfers
    assert rows[0]["Collections"][1]["Metric"]["MetricFilters"] == [method]
    assert v1["MetricResults"][0]["Collections"][0]["Value"] == transfers


def test_groupings_the_simulation_does_not_model_yield_no_rows(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]

    rows = _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED"}],
               groupings=["QUEUE", "BOT_ID"])

    assert rows == []


def test_merged_figures_equal_the_figures_of_all_segments(rig, quarter_hours):
    """The merge the API uses to roll queue/channel figures into wider groups keeps every
    field of metrics.Figures exact (a field added there without a merge rule fails here)."""
    segments = _standard_segments(rig, quarter_hours[0][0], quarter_hours[-1][1])
    half = len(segments) // 2

    def figures(part):
        return figures_by_interval(part, 1 << 62, rig.world.visible_ms, rig.clock.now_ms())

    def comparable(merged):  # waits are a multiset: their order does not matter
        return {name: sorted(value) if isinstance(value, list) else value
                for name, value in dataclasses.asdict(merged).items()}

    whole = merge_figures(figures(segments).values())
    parts = merge_figures([*figures(segments[:half]).values(), *figures(segments[half:]).values()])

    assert half > 10
    assert comparable(parts) == comparable(whole)
    assert whole.contacts_queued_by_enqueue == sum(not s.outbound for s in segments)
    assert whole.contacts_queued == sum(not s.outbound and s.ended_ms is not None for s in segments)
    assert whole.contacts_handled_outbound == sum(s.outbound and s.handled for s in segments) > 0
    assert whole.contacts_answered == sum(not s.outbound and s.handled for s in segments)
    assert whole.max_queued_ms == max(s.queue_wait_ms or 0 for s in segments
                                      if s.completed_ms and not s.outbound)


def test_outbound_calls_are_handled_not_answered_from_the_queue(rig, quarter_hours):
    """V2's CONTACTS_HANDLED filtered on INITIATION_METHOD and V1's CONTACTS_HANDLED_OUTBOUND /
    _INCOMING split the handled contacts; AVG_QUEUE_ANSWER_TIME averages over the contacts
    answered from the queue (SUM_CONTACTS_ANSWERED_IN_X up to the 604800 s maximum), so
    average × that count is the true sum of queue waits, and average × handled is not."""
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]
    outbound = {"MetricFilterKey": "INITIATION_METHOD", "MetricFilterValues": ["OUTBOUND"]}
    incoming = {"MetricFilterKey": "INITIATION_METHOD",
                "MetricFilterValues": ["INBOUND", "TRANSFER", "QUEUE_TRANSFER"]}
    week = [{"Comparison": "LTE", "ThresholdValue": 604800}]
    metrics = [{"Name": "CONTACTS_HANDLED"},
               {"Name": "CONTACTS_HANDLED", "MetricFilters": [outbound]},
               {"Name": "CONTACTS_HANDLED", "MetricFilters": [{**outbound, "Negate": True}]},
               {"Name": "CONTACTS_HANDLED", "MetricFilters": [incoming]},
               {"Name": "SUM_CONTACTS_ANSWERED_IN_X", "Threshold": week},
               {"Name": "AVG_QUEUE_ANSWER_TIME"}]
    parts: dict[tuple, list] = {}
    for (queue_id, channel, _), figures in _truth(rig, start_ms, end_ms).items():
        parts.setdefault((queue_id, channel), []).append(figures)
    expected = {key: merge_figures(p) for key, p in parts.items()}
    v1_names = ("CONTACTS_HANDLED", "CONTACTS_HANDLED_OUTBOUND", "CONTACTS_HANDLED_INCOMING")
    v1 = rig.client().get_metric_data(
        InstanceId=rig.instance.id, StartTime=_utc(start_ms), EndTime=_utc(end_ms),
        Filters={"Queues": _standard_queue_ids(rig)}, Groupings=["QUEUE", "CHANNEL"],
        HistoricalMetrics=[{"Name": n, "Statistic": "SUM", "Unit": "COUNT"} for n in v1_names]
    )["MetricResults"]

    rows = _v2(rig, start_ms, end_ms, metrics, period=None)

    assert rows[0]["Collections"][1]["Metric"] == metrics[1]  # echoed, filters and all
    assert rows[0]["Collections"][4]["Metric"]["Threshold"] == week
    with_outbound = 0
    for row in rows:
        figures = expected[_row_key(row)[:2]]
        handled, out, not_out, inc, answered, average = (d.get("Value") for d in row["Collections"])
        assert (handled, out, not_out, inc, answered) == (
            figures.contacts_handled, figures.contacts_handled_outbound,
            figures.contacts_handled - figures.contacts_handled_outbound,
            figures.contacts_answered, figures.contacts_answered)
        if answered:
            assert average * answered == pytest.approx(figures.queue_answer_ms / 1000)
        if out and figures.queue_answer_ms:
            with_outbound += 1
            assert average * handled != pytest.approx(figures.queue_answer_ms / 1000)
    assert with_outbound
    for row in v1:
        figures = expected[(row["Dimensions"]["Queue"]["Id"], row["Dimensions"]["Channel"])]
        assert [d["Value"] for d in row["Collections"]] == [
            figures.contacts_handled, figures.contacts_handled_outbound, figures.contacts_answered]


def test_contacts_queued_by_enqueue_takes_no_routing_profile(rig, quarter_hours):
    start_ms, end_ms = quarter_hours[0][0], quarter_hours[-1][1]

    with pytest.raises(rig.client().exceptions.InvalidParameterException, match="ROUTING_PROFILE"):
        _v2(rig, start_ms, end_ms, [{"Name": "CONTACTS_QUEUED_BY_ENQUEUE"}],
            groupings=["ROUTING_PROFILE"])
