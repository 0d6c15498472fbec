"""The one GetMetricDataV2 request builder (client.v2_request) and the one restart rule
(windows.resume_from) that every interval stream and the permission check share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tap_amazon_connect.client import MAX_FILTER_VALUES, MAX_PAGE_SIZE, Instance, v2_request
from tap_amazon_connect.windows import floor_to, resume_from

INSTANCE = Instance("i-1", "arn:aws:connect:eu-west-2:111122223333:instance/i-1", "demo", {})
START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


def test_a_stream_request_filters_groups_and_pages():
    request = v2_request(INSTANCE, "QUEUE", ["q1", "q2"], START, END, 15, [{"Name": "CONTACTS_HANDLED"}],
                         ("QUEUE", "CHANNEL"), ("VOICE", "CHAT"))
    assert request == {
        "ResourceArn": INSTANCE.arn, "StartTime": START, "EndTime": END,
        "Interval": {"TimeZone": "UTC", "IntervalPeriod": "FIFTEEN_MIN"},
        "Filters": [{"FilterKey": "QUEUE", "FilterValues": ["q1", "q2"]},
                    {"FilterKey": "CHANNEL", "FilterValues": ["VOICE", "CHAT"]}],
        "Groupings": ["QUEUE", "CHANNEL"], "Metrics": [{"Name": "CONTACTS_HANDLED"}],
        "MaxResults": MAX_PAGE_SIZE,
    }


def test_the_permission_probe_has_no_groupings_and_one_row():
    request = v2_request(INSTANCE, "QUEUE", ["q1"], START, END, 60, [{"Name": "CONTACTS_QUEUED"}], max_results=1)
    assert "Groupings" not in request
    assert request["Filters"] == [{"FilterKey": "QUEUE", "FilterValues": ["q1"]}]
    assert request["Interval"]["IntervalPeriod"] == "HOUR" and request["MaxResults"] == 1


def test_more_filter_values_than_one_request_takes_is_refused():
    ids = [f"q{i}" for i in range(MAX_FILTER_VALUES + 1)]
    with pytest.raises(ValueError, match=f"at most {MAX_FILTER_VALUES}"):
        v2_request(INSTANCE, "ROUTING_PROFILE", ids, START, END, 30, [{"Name": "SUM_ONLINE_TIME_AGENT"}])


@pytest.mark.parametrize("interval", [15, 30, 60])
@pytest.mark.parametrize("lookback", [0, 15, 45, 60, 120])
@pytest.mark.parametrize("offset_minutes", [0, 7, 15, 59])
def test_resume_from_is_the_bookmark_rule_queue_interval_metrics_had(interval, lookback, offset_minutes):
    bookmark = START + timedelta(minutes=offset_minutes)  # the last interval_start read
    before = floor_to(floor_to(bookmark, interval) + timedelta(minutes=interval - lookback), interval)
    read_until = floor_to(bookmark, interval) + timedelta(minutes=interval)
    assert resume_from(read_until, interval, lookback) == before
