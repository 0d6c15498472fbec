"""Access paths: a proxy with credentials (STS included), an assumed role refreshed mid-run."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import botocore.credentials
import pytest
from connect_tap_helpers import base_config

PROXY_USER = "wfm user"
PROXY_PASSWORD = "p@ss:w/rd%1"


@pytest.fixture
def proxy(forward_proxy):
    return forward_proxy(PROXY_USER, PROXY_PASSWORD)


def test_every_call_goes_through_the_proxy_with_encoded_credentials(simulated_centre, run_tap, proxy, moto_kinesis,
                                                                    caplog):
    centre = simulated_centre(hours=1, agents_per_instance=4, standard_queues_per_instance=1)
    host, port = proxy.server_address[:2]
    config = base_config(
        centre, proxy_address=f"http://{host}", proxy_port=port, proxy_username=PROXY_USER,
        proxy_password=PROXY_PASSWORD, aws_assume_role_arn="arn:aws:iam::123456789012:role/WFMSGConnectAPIRole",
        aws_sts_endpoint_url=moto_kinesis.endpoint_url,
    )
    run = run_tap(centre, config, streams=["instances", "queues"])
    assert run.records["instances"] and run.records["queues"]
    connect_netloc = urlsplit(centre.url).netloc
    sts_netloc = urlsplit(moto_kinesis.endpoint_url).netloc
    netlocs = [netloc for netloc, _ in proxy.seen]
    assert netlocs.count(connect_netloc) == sum(run.calls.values())  # every Connect call
    assert sts_netloc in netlocs  # and the assume-role call to STS
    assert proxy.refused == 0
    assert PROXY_PASSWORD not in caplog.text


def test_wrong_proxy_password_is_refused_by_the_proxy(simulated_centre, run_tap, proxy):
    centre = simulated_centre(hours=1, agents_per_instance=4, standard_queues_per_instance=1)
    host, port = proxy.server_address[:2]
    config = base_config(centre, proxy_address=host, proxy_port=port, proxy_username=PROXY_USER,
                         proxy_password="wrong", aws_max_attempts=1)
    with pytest.raises(Exception):  # noqa: B017 - botocore's proxy error
        run_tap(centre, config, streams=["instances"])
    assert proxy.refused >= 1 and not proxy.seen


def test_assumed_role_expiring_mid_run_is_refreshed(simulated_centre, run_tap, moto_kinesis):
    centre = simulated_centre(hours=1, agents_per_instance=12, user_change_rate=0, user_delete_rate=0)
    config = base_config(centre, aws_assume_role_arn="arn:aws:iam::123456789012:role/WFMSGConnectAPIRole",
                         aws_assume_role_duration_seconds=900, aws_sts_endpoint_url=moto_kinesis.endpoint_url)
    skew = {"by": timedelta(0)}
    keys_used: list[str] = []
    described = {"n": 0}

    def watch(tap):
        events = tap.connect.client.meta.events
        # botocore reads the time through the credentials' own time fetcher. Skew it by 850 s
        # (50 s left of the first 900 s session) mid-run; moto's STS dates the renewed session
        # by the real clock, so the skew applies to the first session only.
        session = tap.connect.session
        credentials = session._session._session.get_credentials()
        assert isinstance(credentials, botocore.credentials.RefreshableCredentials)
        credentials._time_fetcher = lambda: botocore.credentials._local_now() + (
            skew["by"] if session.role_refreshes < 2 else timedelta(0))

        def on_request(request, **_):
            auth = request.headers.get("Authorization", b"")
            auth = auth.decode() if isinstance(auth, bytes) else auth
            keys_used.append(auth.split("Credential=", 1)[1].split("/", 1)[0])

        def on_describe(**_):
            described["n"] += 1
            if described["n"] == 5:  # mid-run the 15-minute session is about to end
                skew["by"] = timedelta(seconds=850)

        events.register("request-created.connect", on_request)
        events.register("before-call.connect.DescribeUser", on_describe)

    run = run_tap(centre, config, streams=["users"], before_sync=watch)
    assert len(run.records["users"]) == run.calls["DescribeUser"] > 5
    assert run.tap.connect.session.role_refreshes == 2
    assert len(set(keys_used)) == 2  # the new session's key signed the later calls
    assert keys_used[-1] != keys_used[0]
