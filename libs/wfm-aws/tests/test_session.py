"""AwsSession against moto's STS: assumed roles that refresh, the proxy, missing credentials."""

from __future__ import annotations

import datetime as dt

import pytest

from wfm_aws import AwsConfigError, AwsSession, AwsSettings, Rate

ROLE = "arn:aws:iam::123456789012:role/WFMSGConnectAPIRole"


def settings(moto_kinesis, **extra) -> AwsSettings:
    return AwsSettings.from_config({
        "aws_region": "us-east-1", "aws_access_key_id": "AKIABASEUSER0001", "aws_secret_access_key": "base",
        "aws_endpoint_url": moto_kinesis.endpoint_url, "aws_sts_endpoint_url": moto_kinesis.endpoint_url,
        **extra,
    })


def test_assumed_role_is_used_and_renewed_before_it_expires(moto_kinesis):
    aws = AwsSession(settings(moto_kinesis, aws_assume_role_arn=ROLE, aws_assume_role_duration_seconds=900,
                              aws_assume_role_session_name="wfm-test"))
    sts = aws.client("sts")
    identity = sts.get_caller_identity()
    assert "assumed-role/WFMSGConnectAPIRole/wfm-test" in identity["Arn"]
    credentials = aws._session.get_credentials()
    first_key = credentials.get_frozen_credentials().access_key
    assert aws.role_refreshes == 1
    # Jump to 4 minutes before expiry: inside the (duration/3) advisory window.
    expiry = credentials._expiry_time
    credentials._time_fetcher = lambda: expiry - dt.timedelta(minutes=4)
    sts.get_caller_identity()
    assert aws.role_refreshes == 2
    assert credentials.get_frozen_credentials().access_key != first_key


def test_a_fresh_role_session_is_not_renewed_on_every_call(moto_kinesis):
    aws = AwsSession(settings(moto_kinesis, aws_assume_role_arn=ROLE, aws_assume_role_duration_seconds=900))
    sts = aws.client("sts")
    for _ in range(5):
        sts.get_caller_identity()
    assert aws.role_refreshes == 1


def test_every_call_goes_through_the_proxy_with_encoded_credentials(moto_kinesis, forward_proxy):
    proxy = forward_proxy("wfm user", "p@ss:w/rd")  # refuses (407) any other Proxy-Authorization
    aws = AwsSession(settings(moto_kinesis, aws_assume_role_arn=ROLE, proxy_address=proxy.host,
                              proxy_port=proxy.port, proxy_username="wfm user", proxy_password="p@ss:w/rd"))
    aws.client("kinesis").list_streams()
    assert len(proxy.seen) >= 2, "the STS AssumeRole call and the Kinesis call"
    assert proxy.refused == 0
    assert "p@ss" not in aws.describe_credentials() and "***" in aws.describe_credentials()


def test_no_credentials_anywhere_is_a_clear_error(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(AwsConfigError, match="no AWS credentials found"):
        AwsSession(AwsSettings.from_config({"aws_region": "us-west-2"}))


def test_unknown_profile_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(AwsConfigError, match="aws_profile 'wfm' is not in the AWS config files"):
        AwsSession(AwsSettings.from_config({"aws_region": "us-west-2", "aws_profile": "wfm"}))


def test_operation_rates_pace_each_operation_by_its_name(moto_kinesis):
    aws = AwsSession(settings(moto_kinesis), operation_rates={"DescribeLimits": None},
                     default_operation_rate=Rate(1, 1))
    waits = []
    aws.operation_limiter._sleep = waits.append
    kinesis = aws.client("kinesis")
    kinesis.list_streams()
    kinesis.describe_limits()
    kinesis.describe_limits()
    assert waits == []  # one ListStreams (the default rate), and DescribeLimits unpaced
    kinesis.list_streams()
    assert len(waits) == 1 and waits[0] > 0.5
    assert set(aws.operation_limiter.waited_s) == {"ListStreams"}
    aws.client("kinesis").list_streams()  # the buckets are the session's, shared by its clients
    assert len(waits) == 2
