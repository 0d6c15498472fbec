"""What Amazon Connect documents and the tap must respect: channels per API, no agent queues
in GetMetricDataV2, instances that are not ACTIVE, per-operation throttling quotas
(docs/aws-sources.md §4-§7), against a simulator that enforces them."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from connect_tap_helpers import base_config, iso_ms
from singer_sdk.exceptions import ConfigValidationError

from connect_sim.api.server import start_server
from connect_sim.faults import FaultPlan
from tap_amazon_connect.tap import TapAmazonConnect
from wfm_aws import RateLimiter

HOUR_MS = 3_600_000
METRIC_STREAMS = ["queue_interval_metrics", "queue_current_metrics"]


def _start(centre, hours_back: float = 2) -> str:
    return iso_ms(centre.clock.now_ms() - int(hours_back * HOUR_MS))


# -- channels per API (§4) --------------------------------------------------------------------
def test_email_is_read_from_v2_only_and_said_once(simulated_centre, run_tap, caplog):
    centre = simulated_centre(hours=16, agents_per_instance=6, standard_queues_per_instance=2)
    config = base_config(centre, channels=["VOICE", "EMAIL"], start_date=_start(centre))
    with caplog.at_level(logging.INFO):
        run = run_tap(centre, config, streams=METRIC_STREAMS)

    assert {r["channel"] for r in run.records["queue_interval_metrics"]} == {"VOICE", "EMAIL"}
    assert {r["channel"] for r in run.records["queue_current_metrics"]} == {"VOICE"}
    notes = [r for r in caplog.records if "EMAIL has no current or v1 metrics" in r.getMessage()]
    assert len(notes) == 1 and notes[0].levelno == logging.INFO


def test_v1_never_asks_for_email(simulated_centre, run_tap):
    centre = simulated_centre(hours=16, agents_per_instance=6, standard_queues_per_instance=2)
    config = base_config(centre, metrics_api="v1", channels=["EMAIL", "CHAT"], start_date=_start(centre))
    run = run_tap(centre, config, streams=METRIC_STREAMS)

    assert {r["channel"] for r in run.records["queue_interval_metrics"]} == {"CHAT"}
    assert {r["channel"] for r in run.records["queue_current_metrics"]} == {"CHAT"}


# -- agent queues and GetMetricDataV2 (§5) ------------------------------------------------------
def test_agent_queues_stay_out_of_v2_but_not_out_of_the_other_streams(simulated_centre, run_tap, caplog):
    centre = simulated_centre(hours=16, agents_per_instance=6, standard_queues_per_instance=2)
    queues = centre.world.directory.queues_of(centre.instance.id)
    standard = {q.id for q in queues if q.queue_type == "STANDARD"}
    agent = {q.id for q in queues if q.queue_type == "AGENT"}
    config = base_config(centre, queue_types=["STANDARD", "AGENT"], start_date=_start(centre))
    with caplog.at_level(logging.INFO):
        run = run_tap(centre, config, streams=["queues", *METRIC_STREAMS, "agent_interval_metrics"])

    assert {r["queue_id"] for r in run.records["queue_interval_metrics"]} == standard
    assert {r["queue_id"] for r in run.records["agent_interval_metrics"]} <= standard
    assert run.records["agent_interval_metrics"]
    assert {r["queue_id"] for r in run.records["queues"]} == standard | agent
    assert {r["queue_id"] for r in run.records["queue_current_metrics"]} == standard | agent
    assert "GetMetricDataV2 does not support agent queues" in caplog.text
    v1 = run_tap(centre, {**config, "metrics_api": "v1", "start_date": _start(centre, 0.5)},
                 streams=["queue_interval_metrics"])
    assert {r["queue_id"] for r in v1.records["queue_interval_metrics"]} == standard | agent  # GetMetricData takes them


# -- instances that are not ACTIVE (§6) ---------------------------------------------------------
NOT_ACTIVE = ("CREATION_IN_PROGRESS", "CREATION_FAILED")


def test_only_active_instances_are_read_and_the_others_are_named(simulated_centre, run_tap, caplog):
    centre = simulated_centre(hours=2, agents_per_instance=4, standard_queues_per_instance=1,
                              instances_not_active=NOT_ACTIVE)
    with caplog.at_level(logging.INFO):
        run = run_tap(centre, base_config(centre), streams=["instances", "queues", "users"])

    statuses = {r["instance_id"]: r["instance_status"] for r in run.records["instances"]}
    assert sorted(statuses.values()) == ["ACTIVE", *sorted(NOT_ACTIVE)]
    assert {r["instance_id"] for r in run.records["queues"]} == {centre.instance.id}
    assert {r["instance_id"] for r in run.records["users"]} == {centre.instance.id}
    for instance_id, status in statuses.items():
        if status != "ACTIVE":
            assert f"Instance {instance_id}" in caplog.text and f"is {status}, not ACTIVE: skipped" in caplog.text


def test_a_configured_instance_that_is_not_active_is_one_clear_error(simulated_centre, run_tap):
    centre = simulated_centre(hours=2, agents_per_instance=4, standard_queues_per_instance=1,
                              instances_not_active=("CREATION_FAILED",))
    failed = [i for i in run_tap(centre, base_config(centre), streams=["instances"]).records["instances"]
              if i["instance_status"] == "CREATION_FAILED"]
    with pytest.raises(ConfigValidationError,
                       match=rf"instance_ids: instance {failed[0]['instance_id']} is CREATION_FAILED, not ACTIVE"):
        run_tap(centre, base_config(centre, instance_ids=[centre.instance.id, failed[0]["instance_arn"]]),
                streams=["queues"])


# -- per-operation quotas (§7) ------------------------------------------------------------------
def _run_against_realistic_quotas(simulated_centre, run_tap, config_changes, before_sync=None):
    """A normal run (configuration, users, two days of interval metrics, a current snapshot)
    against a simulator that throttles each operation beyond Connect's documented quota;
    returns the run and the calls the server throttled, per operation."""
    centre = simulated_centre(hours=52, serve=False, faults=FaultPlan(realistic_quotas=True),
                              agents_per_instance=10, standard_queues_per_instance=2)
    throttled: Counter[str] = Counter()
    server = start_server(centre.world, observer=lambda op, status, _: status == 429 and throttled.update([op]))
    centre.url = server.url
    try:
        config = base_config(centre, start_date=_start(centre, 48))
        config.pop("api_quotas")
        run = run_tap(centre, {**config, **config_changes}, before_sync=before_sync)
    finally:
        server.stop()
    assert run.records["users"] and run.records["queue_interval_metrics"] and run.records["queue_current_metrics"]
    return run, throttled


def test_default_pacing_keeps_every_operation_under_its_quota(simulated_centre, run_tap):
    run, throttled = _run_against_realistic_quotas(simulated_centre, run_tap, {})

    assert run.calls["DescribeUser"] >= 12 and run.calls["GetMetricDataV2"] >= 5  # beyond their bursts
    assert throttled == Counter()

    # The old pacing, one 5/s budget shared by every call, overruns the 2/s operations.
    def one_bucket(tap: TapAmazonConnect) -> None:
        tap.connect.session.operation_limiter = RateLimiter(5)  # installed on the client as the one budget

    old, throttled = _run_against_realistic_quotas(simulated_centre, run_tap, {"api_quotas": {"*": 0}}, one_bucket)
    assert old.tap.connect.session.operation_limiter.waited_s > 0
    assert throttled["DescribeUser"] > 0


@pytest.mark.parametrize(("quotas", "message"), [
    ({"ListUser": 10}, "api_quotas: ListUser is not an operation the tap calls"),
    ({"ListUsers": -1}, "api_quotas: ListUsers cannot be negative"),
])
def test_a_wrong_quota_is_one_clear_error(quotas, message):
    with pytest.raises(ConfigValidationError, match=message):
        TapAmazonConnect(config={"aws_access_key_id": "AKIDTEST", "aws_secret_access_key": "x",
                                 "api_quotas": quotas})


def test_the_replaced_setting_says_what_replaced_it():
    with pytest.raises(ConfigValidationError, match="max_requests_per_second was replaced by api_quotas"):
        TapAmazonConnect(config={"aws_access_key_id": "AKIDTEST", "aws_secret_access_key": "x",
                                 "max_requests_per_second": 5})
