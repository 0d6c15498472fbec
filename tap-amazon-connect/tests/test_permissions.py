"""AccessDenied: a stream fails naming the IAM action; --test reports every missing one."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner
from connect_tap_helpers import base_config, iso_ms

from connect_sim.faults import FaultPlan
from tap_amazon_connect.tap import TapAmazonConnect
from wfm_aws import MissingPermissionError


def test_denied_metrics_fail_the_stream_naming_the_action(simulated_centre, run_tap):
    centre = simulated_centre(hours=18, agents_per_instance=6, standard_queues_per_instance=2,
                              faults=FaultPlan(access_denied=frozenset({"GetMetricDataV2"})))
    config = base_config(centre, start_date=iso_ms(centre.world.config.start_ms + 16 * 3600 * 1000))
    with pytest.raises(MissingPermissionError, match="connect:GetMetricDataV2") as caught:
        run_tap(centre, config, streams=["queue_interval_metrics"])
    assert caught.value.action == "connect:GetMetricDataV2"
    # other streams do not need it
    run = run_tap(centre, config, streams=["queues", "users"])
    assert run.records["queues"] and run.records["users"]


def _cli_test(tmp_path, config, caplog):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with caplog.at_level(logging.INFO):
        result = CliRunner().invoke(TapAmazonConnect.cli, ["--config", str(path), "--test"])
    return result, caplog.text + (result.output or "")


def test_cli_test_reports_every_missing_permission_at_once(simulated_centre, follow_clock, tmp_path, caplog):
    denied = frozenset({"GetMetricDataV2", "DescribeUser", "GetCurrentMetricData", "DescribeQueue"})
    centre = simulated_centre(hours=18, agents_per_instance=6, standard_queues_per_instance=2,
                              faults=FaultPlan(access_denied=denied))
    follow_clock(centre)
    result, text = _cli_test(tmp_path, base_config(centre), caplog)
    assert result.exit_code == 1
    for action in denied:
        assert f"connect:{action}: missing" in text
    assert "connect:ListUsers: missing" not in text
    assert "secret-test-key" not in text


def test_cli_test_passes_with_every_permission(simulated_centre, follow_clock, tmp_path, caplog):
    centre = simulated_centre(hours=18, agents_per_instance=6, standard_queues_per_instance=2)
    follow_clock(centre)
    result, text = _cli_test(tmp_path, base_config(centre, metrics_api="v1"), caplog)
    assert result.exit_code == 0, text
    assert "Permission check passed" in text
    # then one record of each selected stream (agent_interval_metrics is not selected by default)
    assert '"stream":"queue_interval_metrics"' in result.output.replace(" ", "")
    assert '"stream":"users"' in result.output.replace(" ", "")
    assert "agent_interval_metrics" not in result.output
