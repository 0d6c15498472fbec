"""iam/: the CloudFormation template lints clean, agrees with the plain JSON policies, and
deploys into moto so that the taps' session library authenticates through what it creates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wfm_aws import AwsSession, AwsSettings

IAM = Path(__file__).resolve().parents[2] / "iam"
TEMPLATE = IAM / "wfm-connect-access.yaml"
ACCOUNT = "123456789012"
INSTANCES = [f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{n}" for n in ("aaaa-1111", "bbbb-2222")]


def _actions(statements) -> set[str]:
    found = set()
    for statement in statements:
        if isinstance(statement, dict) and "Action" in statement:
            action = statement["Action"]
            found.update([action] if isinstance(action, str) else action)
    return found


def test_template_is_cfn_lint_clean():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _template_statements() -> list:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load(TEMPLATE.read_text(), Loader=Loader)
    return template["Resources"]["ConnectPolicy"]["Properties"]["PolicyDocument"]["Statement"]


def test_plain_json_policy_grants_what_the_template_grants():
    statements = _template_statements()
    plain = json.loads((IAM / "policies" / "wfm-connect-policy.json").read_text())["Statement"]
    assert _actions(plain) == _actions(statements)
    for name in ("wfm-connect-assume-policy.json", "wfm-role-trust-iam-user.json",
                 "wfm-role-trust-cross-account.json"):
        assert _actions(json.loads((IAM / "policies" / name).read_text())["Statement"]) == {"sts:AssumeRole"}


def test_the_template_grants_every_connect_action_the_pipeline_calls():
    from wfm_pipeline.doctor import STREAM_CHECK_ACTION

    from tap_amazon_connect.permissions import STREAM_ACTIONS

    called = {f"connect:{action}" for actions in STREAM_ACTIONS.values() for action in actions
              if not action.startswith("<")}
    called |= {"connect:ListInstances", "connect:DescribeInstance", "connect:GetMetricData",
               "connect:GetMetricDataV2", STREAM_CHECK_ACTION}
    assert called <= _actions(_template_statements())


def _document(iam, policy_arn: str) -> dict:
    version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
    return json.loads(document) if isinstance(document, str) else document


@pytest.fixture
def deploy(moto_kinesis, unique_name):
    cloudformation = moto_kinesis.client("cloudformation")

    def run(**parameters) -> dict[str, str]:
        name = unique_name("wfm-iam").replace("_", "-")
        prefix = unique_name("W").replace("_", "")[:12]
        cloudformation.create_stack(
            StackName=name, TemplateBody=TEMPLATE.read_text(),
            Parameters=[{"ParameterKey": k, "ParameterValue": v}
                        for k, v in {"ResourcePrefix": prefix, **parameters}.items()],
        )
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])} | {"prefix": prefix}

    return run


def test_iam_user_variant_lets_the_taps_assume_the_scoped_role(deploy, moto_kinesis, unique_name):
    stream = unique_name("agent-events")
    kinesis = moto_kinesis.client("kinesis")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    outputs = deploy(AccessMode="iam-user", ConnectInstanceArns=",".join(INSTANCES),
                     AgentEventStreamArns=stream_arn)

    iam = moto_kinesis.client("iam")
    document = _document(iam, f"arn:aws:iam::{ACCOUNT}:policy/{outputs['prefix']}ConnectPolicy")
    scoped = next(s for s in document["Statement"] if s.get("Sid") == "ReadConnectInstances")
    assert sorted(scoped["Resource"]) == sorted(INSTANCES + [f"{arn}/*" for arn in INSTANCES])
    streams = next(s for s in document["Statement"] if s.get("Sid") == "ReadAgentEventStreams")
    assert streams["Resource"] in (stream_arn, [stream_arn])

    assert outputs["AccessKeyId"].startswith("AKIA")
    # moto's CloudFormation cannot create the SecretsManager secret holding the key, so the
    # test takes a fresh key of the created user, as an operator rotating it would.
    user = outputs["UserArn"].rsplit("/", 1)[-1]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    aws = AwsSession(AwsSettings.from_config({
        "aws_region": kinesis.meta.region_name, "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"], "aws_assume_role_arn": outputs["RoleArn"],
        "aws_endpoint_url": moto_kinesis.endpoint_url, "aws_sts_endpoint_url": moto_kinesis.endpoint_url,
    }))
    assume = _document(iam, f"arn:aws:iam::{ACCOUNT}:policy/{outputs['prefix']}ConnectAssumePolicy")
    assert assume["Statement"] == [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": outputs["RoleArn"]}]
    identity = aws.client("sts").get_caller_identity()
    assert f"assumed-role/{outputs['prefix']}ConnectAPIRole/" in identity["Arn"]
    assert aws.client("kinesis").list_shards(StreamName=stream)["Shards"]


def test_cross_account_variant_needs_the_external_id(deploy, moto_kinesis):
    outputs = deploy(AccessMode="cross-account-role", ConnectInstanceArns=INSTANCES[0],
                     AgentEventStreamArns=f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s",
                     TrustedAccountId="210987654321", ExternalId="wfm-hosted-7f3a")
    assert "AccessKeyId" not in outputs
    iam = moto_kinesis.client("iam")
    role = iam.get_role(RoleName=f"{outputs['prefix']}ConnectAPIRole")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(trust)
    statement = trust["Statement"][0]
    assert statement["Principal"]["AWS"].endswith(":iam::210987654321:root")
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == "wfm-hosted-7f3a"
