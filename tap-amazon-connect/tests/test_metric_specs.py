"""metric_specs: which metric fills which column, matched on the Metric Connect echoes back."""

from __future__ import annotations

import random

from tap_amazon_connect import metric_specs
from tap_amazon_connect.metric_specs import metric_identity

OUTBOUND = {"MetricFilterKey": "INITIATION_METHOD", "MetricFilterValues": ["OUTBOUND"]}


def _answered(comparison: str, value: float) -> dict:
    return {"Name": "SUM_CONTACTS_ANSWERED_IN_X", "Threshold": [{"Comparison": comparison, "ThresholdValue": value}]}


def test_every_requested_metric_is_told_apart_from_the_others():
    metrics = metric_specs.v2_request_metrics([20, 604800])
    identities = [metric_identity(m) for m in metrics]
    assert len(set(identities)) == len(identities)
    assert {"Name": "CONTACTS_HANDLED", "MetricFilters": [{**OUTBOUND, "Negate": False}]} in metrics
    assert _answered("LTE", 604800.0) in metrics and _answered("LT", 604800.0) in metrics
    assert {"Name": "CONTACTS_QUEUED_BY_ENQUEUE"} in metrics and {"Name": "CONTACTS_QUEUED"} in metrics


def test_collections_sharing_a_name_fill_their_own_columns_in_any_order():
    collections = [
        {"Metric": {"Name": "CONTACTS_HANDLED"}, "Value": 10.0},
        # as echoed: Negate may be left out, values in another order
        {"Metric": {"Name": "CONTACTS_HANDLED", "MetricFilters": [OUTBOUND]}, "Value": 3.0},
        # not asked for by the tap: ignored, whatever its name
        {"Metric": {"Name": "CONTACTS_HANDLED", "MetricFilters": [{**OUTBOUND, "Negate": True}]}, "Value": 7.0},
        {"Metric": _answered("LTE", 604800.0), "Value": 6.0},
        {"Metric": _answered("LT", 20.0), "Value": 4.0},
        {"Metric": _answered("LT", 60.0), "Value": 5.0},
        {"Metric": _answered("LTE", 20.0), "Value": 99.0},
        {"Metric": {"Name": "CONTACTS_QUEUED_BY_ENQUEUE"}, "Value": 9.0},
        {"Metric": {"Name": "CONTACTS_QUEUED"}, "Value": 8.0},
        {"Metric": {"Name": "AVG_QUEUE_ANSWER_TIME"}, "Value": 12.5},
        {"Metric": {"Name": "CONTACTS_ABANDONED"}, "Value": 2.0},
        {"Metric": {"Name": "AVG_ABANDON_TIME"}, "Value": 30.25},
    ]
    for seed in range(5):
        random.Random(seed).shuffle(collections)
        row = metric_specs.figures_from_v2(collections, [20, 60])
        assert (row["contacts_offered"], row["contacts_queued"], row["contacts_handled"],
                row["contacts_handled_outbound"], row["contacts_answered"]) == (9, 8, 10, 3, 6)
        assert row["contacts_answered_in_thresholds"] == {"20": 4, "60": 5}
        assert row["queue_answer_time_seconds"] == 75.0  # avg x answered, not x handled
        assert row["avg_queue_answer_time_seconds"] == 12.5
        assert row["abandon_time_seconds"] == 60.5


def test_v1_answered_is_handled_less_outbound_and_weights_the_queue_answer_time():
    collections = [{"Metric": {"Name": name}, "Value": value} for name, value in (
        ("CONTACTS_QUEUED", 9.0), ("CONTACTS_HANDLED", 10.0), ("CONTACTS_HANDLED_OUTBOUND", 4.0),
        ("QUEUE_ANSWER_TIME", 12.5))]
    row = metric_specs.figures_from_v1(collections, [20])
    assert (row["contacts_offered"], row["contacts_queued"], row["contacts_handled"],
            row["contacts_handled_outbound"], row["contacts_answered"]) == (9, 9, 10, 4, 6)
    assert row["queue_answer_time_seconds"] == 75.0
    assert row["contacts_put_on_hold"] is None and row["contacts_answered_in_thresholds"] == {"20": None}


def test_quiet_intervals_carry_every_column():
    v2, v1 = metric_specs.empty_figures([20], "v2"), metric_specs.empty_figures([20], "v1")
    for column in ("contacts_offered", "contacts_queued", "contacts_handled_outbound", "contacts_answered"):
        assert v2[column] == v1[column] == 0
    assert set(v2) == set(v1) == set(metric_specs.figures_from_v2([], [20])) == set(
        metric_specs.figures_from_v1([], [20]))
