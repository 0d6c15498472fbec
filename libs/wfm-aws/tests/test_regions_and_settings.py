from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from wfm_aws import (
    AwsConfigError,
    AwsSettings,
    MissingPermissionError,
    explain_client_error,
    normalize_region,
)


@pytest.mark.parametrize(("given", "canonical"), [
    ("USWest2", "us-west-2"), ("USEast1", "us-east-1"), ("EUCentral1", "eu-central-1"),
    ("APSoutheast2", "ap-southeast-2"), ("CACentral1", "ca-central-1"), ("APNortheast1", "ap-northeast-1"),
    ("USGovWest1", "us-gov-west-1"), ("us-west-2", "us-west-2"), (" eu-west-2 ", "eu-west-2"),
    ("AFSouth1", "af-south-1"),
])
def test_region_aliases(given, canonical):
    assert normalize_region(given) == canonical


@pytest.mark.parametrize("bad", ["USWest9", "us-west-9", "Oregon", "uswest2x"])
def test_unknown_region_is_a_clear_error(bad):
    with pytest.raises(AwsConfigError, match="not an AWS region") as caught:
        normalize_region(bad)
    assert bad in str(caught.value)


def test_unknown_region_suggests_the_closest():
    with pytest.raises(AwsConfigError, match="Did you mean us-west-2"):
        normalize_region("us-wset-2")


def test_settings_read_a_singer_config_with_decimals():
    settings = AwsSettings.from_config({
        "aws_region": "USWest2", "aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "s3cr3t",
        "aws_assume_role_arn": "arn:aws:iam::123456789012:role/WFMSGConnectAPIRole",
        "aws_assume_role_duration_seconds": Decimal("900"), "proxy_address": "proxy.corp",
        "proxy_port": Decimal("8080"),
    })
    assert settings.region == "us-west-2"
    assert settings.assume_role_duration_seconds == 900
    assert settings.proxy_url() == "http://proxy.corp:8080"


@pytest.mark.parametrize(("config", "message"), [
    ({"aws_access_key_id": "AKIA"}, "both aws_access_key_id and aws_secret_access_key"),
    ({"aws_assume_role_arn": "WFMSGConnectAPIRole"}, "must be a role ARN"),
    ({"aws_assume_role_arn": "arn:aws:iam::1:role/r", "aws_assume_role_duration_seconds": 60}, "between 900 and 43200"),
    ({"aws_assume_role_external_id": "x"}, "aws_assume_role_arn is not"),
    ({"proxy_port": 8080}, "proxy_address is not"),
    ({"proxy_address": "p", "proxy_password": "x"}, "needs proxy_username"),
    ({"proxy_address": "p", "proxy_port": "eighty"}, "proxy_port must be a whole number"),
])
def test_settings_that_cannot_work_say_what_to_fix(config, message):
    with pytest.raises(AwsConfigError, match=message):
        AwsSettings.from_config({"aws_region": "us-west-2", **config})


def test_proxy_credentials_are_percent_encoded_and_redactable():
    settings = AwsSettings.from_config({
        "aws_region": "us-west-2", "proxy_address": "http://proxy.corp", "proxy_port": 3128,
        "proxy_username": "dom\\wfm user", "proxy_password": "p@ss:w/rd%1",
    })
    assert settings.proxy_url() == "http://dom%5Cwfm%20user:p%40ss%3Aw%2Frd%251@proxy.corp:3128"
    assert settings.proxy_url(redact=True) == "http://dom%5Cwfm%20user:***@proxy.corp:3128"


def test_secrets_never_show_in_repr():
    settings = AwsSettings.from_config({
        "aws_region": "us-west-2", "aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "TOPSECRET",
        "aws_session_token": "TOKENSECRET", "proxy_address": "p", "proxy_username": "u",
        "proxy_password": "PROXYSECRET",
    })
    shown = repr(settings) + str(settings)
    for secret in ("TOPSECRET", "TOKENSECRET", "PROXYSECRET"):
        assert secret not in shown


def test_access_denied_names_the_missing_iam_action():
    error = ClientError(
        {"Error": {"Code": "AccessDeniedException",
                   "Message": "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: "
                              "connect:GetMetricDataV2 on resource: arn:aws:connect:..."}},
        "GetMetricDataV2",
    )
    explained = explain_client_error(error, "connect")
    assert isinstance(explained, MissingPermissionError)
    assert explained.action == "connect:GetMetricDataV2"
    assert "Missing IAM permission connect:GetMetricDataV2" in str(explained)
    other = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "ListQueues")
    assert explain_client_error(other, "connect") is other
