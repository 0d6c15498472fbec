"""`wfm-pipeline doctor`: tries every call the pipeline needs, the cheapest way, and says
what to fix — the missing IAM action, the bad region, the unknown instance or stream, the
unreachable proxy, a skewed clock, an instance whose agent events go to another stream (or
nowhere). Exits non-zero when something needed is missing; warnings do not fail it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from wfm_aws import AwsConfigError, AwsSession, AwsSettings, MissingPermissionError, explain_client_error

MAX_CLOCK_SKEW_S = 240  # SigV4 refuses requests more than 5 minutes off
STREAM_CHECK_ACTION = "connect:ListInstanceStorageConfigs"


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # worth fixing, but the pipeline runs without it


class Doctor:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def record(self, check: str, ok: bool, detail: str, fix: str = "") -> bool:
        self.findings.append(Finding(check, ok, detail, fix))
        return ok

    def warn(self, check: str, detail: str, fix: str) -> None:
        self.findings.append(Finding(check, True, detail, fix, warning=True))

    # -- shared -----------------------------------------------------------------------------
    def session(self, plugin: str, config: Mapping[str, Any]) -> AwsSession | None:
        try:
            settings = AwsSettings.from_config(config)
        except AwsConfigError as error:
            self.record(f"{plugin}: settings", False, str(error), f"fix the setting in {plugin}'s config")
            return None
        self.record(f"{plugin}: region", True, settings.region)
        if settings.proxy_address:
            self._proxy(plugin, settings)
        try:
            aws = AwsSession(settings, user_agent="wfm-doctor")
        except (AwsConfigError, BotoCoreError, ClientError) as error:
            self.record(f"{plugin}: credentials", False, str(error),
                        "set aws_access_key_id/aws_secret_access_key, aws_profile, or run with a role")
            return None
        self.record(f"{plugin}: credentials", True, aws.describe_credentials())
        return aws

    def _proxy(self, plugin: str, settings: AwsSettings) -> None:
        url = settings.proxy_url(redact=True)
        host = settings.proxy_address.split("://")[-1].split(":")[0].split("/")[0]
        port = settings.proxy_port or 80
        try:
            socket.create_connection((host, port), timeout=5).close()
            self.record(f"{plugin}: proxy", True, f"{url} reachable")
        except OSError as error:
            self.record(f"{plugin}: proxy", False, f"{url}: {error}", "check proxy_address and proxy_port")

    def clock(self, answer: Mapping[str, Any]) -> None:
        date = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        if not date:
            return
        skew = (datetime.now(UTC) - parsedate_to_datetime(date)).total_seconds()
        self.record("clock skew", abs(skew) < MAX_CLOCK_SKEW_S, f"{skew:+.0f} s against AWS",
                    "synchronise this machine's clock (NTP): AWS refuses requests 5 minutes off")

    def call(self, check: str, prefix: str, fn: Callable[[], Any], not_found_fix: str = "") -> Any:
        try:
            answer = fn()
        except MissingPermissionError as error:
            self.record(check, False, f"missing {error.action}", f"allow {error.action} (see docs/iam.md)")
            return None
        except ClientError as error:
            explained = explain_client_error(error, prefix)
            if isinstance(explained, MissingPermissionError):
                self.record(check, False, f"missing {explained.action}",
                            f"allow {explained.action} (see docs/iam.md)")
                return None
            code = error.response.get("Error", {}).get("Code", "")
            fix = not_found_fix if "NotFound" in code else "see the message"
            self.record(check, False, f"{code}: {error.response['Error'].get('Message', '')}", fix)
            return None
        except BotoCoreError as error:
            self.record(check, False, str(error), "check aws_region, aws_endpoint_url and the network/proxy")
            return None
        self.record(check, True, "allowed")
        return answer

    # -- the taps ---------------------------------------------------------------------------
    def amazon_connect(self, config: Mapping[str, Any]) -> None:
        from tap_amazon_connect.client import ConnectClient
        from tap_amazon_connect.options import Options, OptionsError
        from tap_amazon_connect.permissions import STREAM_ACTIONS, check_permissions

        if self.session("tap-amazon-connect", config) is None:
            return
        try:
            connect = ConnectClient(config)
        except OptionsError as error:
            self.record("tap-amazon-connect: settings", False, str(error), "fix the setting in tap-amazon-connect's config")
            return
        instance_ids = [str(i).rsplit("/", 1)[-1] for i in config.get("instance_ids") or []]
        for instance_id in instance_ids or [None]:
            check = f"instance {instance_id}" if instance_id else "connect:ListInstances"
            answer = self.call(check, "connect", lambda i=instance_id: connect.call(
                "DescribeInstance", InstanceId=i) if i else connect.call("ListInstances", MaxResults=1),
                f"instance {instance_id} is not in {connect.settings.region}: check instance_ids and aws_region")
            if answer and not any(f.check == "clock skew" for f in self.findings):
                self.clock(answer)
        problems = check_permissions(connect, Options.from_config(config), list(STREAM_ACTIONS))
        missing = {p.split(":", 2)[1] for p in problems if p.startswith("connect:") and ": missing" in p}
        options = Options.from_config(config)
        needed = sorted({a for actions in STREAM_ACTIONS.values() for a in actions if not a.startswith("<")}
                        | {"GetMetricData" if options.metrics_api == "v1" else "GetMetricDataV2"})
        for action in needed:
            ok = action not in missing
            self.record(f"connect:{action}", ok, "allowed" if ok else "missing",
                        "" if ok else f"allow connect:{action} (see docs/iam.md)")
        for problem in problems:
            if ": missing" not in problem:
                self.record("tap-amazon-connect", False, problem, "see the message")

    def connect_kinesis(self, config: Mapping[str, Any]) -> None:
        aws = self.session("tap-connect-kinesis", config)
        if aws is None:
            return
        kinesis = aws.client("kinesis")
        stream = {"StreamARN": config["stream_arn"]} if config.get("stream_arn") else {
            "StreamName": config.get("stream_name") or ""}
        name = stream.get("StreamName") or stream.get("StreamARN")
        fix = f"stream {name} is not in {aws.settings.region}: check stream_name and aws_region"
        summary = self.call("kinesis:DescribeStreamSummary", "kinesis",
                            lambda: kinesis.describe_stream_summary(**stream), fix)
        if summary:
            self.clock(summary)
        shards = self.call("kinesis:ListShards", "kinesis", lambda: kinesis.list_shards(**stream, MaxResults=1), fix)
        if not shards or not shards.get("Shards"):
            return
        shard_id = shards["Shards"][0]["ShardId"]
        iterator = self.call("kinesis:GetShardIterator", "kinesis", lambda: kinesis.get_shard_iterator(
            **stream, ShardId=shard_id, ShardIteratorType="LATEST"))
        if iterator:
            self.call("kinesis:GetRecords", "kinesis",
                      lambda: kinesis.get_records(ShardIterator=iterator["ShardIterator"], Limit=1))

    def agent_event_streams(self, connect_config: Mapping[str, Any], kinesis_config: Mapping[str, Any]) -> None:
        """Which Kinesis stream each instance writes agent events to (ListInstanceStorageConfigs,
        ResourceType AGENT_EVENTS; docs/aws-sources.md §10,
        https://docs.aws.amazon.com/connect/latest/APIReference/API_ListInstanceStorageConfigs.html),
        against the stream tap-connect-kinesis reads. Only warnings: the permission is optional."""
        from tap_amazon_connect.client import ConnectClient
        from tap_amazon_connect.options import OptionsError

        try:
            region = AwsSettings.from_config(kinesis_config).region
            connect = ConnectClient(connect_config)
            instances = connect.instances()
        except (AwsConfigError, OptionsError, BotoCoreError, ClientError):
            return  # amazon_connect() and connect_kinesis() have said what is wrong
        read = str(kinesis_config.get("stream_arn") or kinesis_config.get("stream_name") or "")
        read_arn = read if read.startswith("arn:") else f"{region}/{read}"
        for instance in instances:
            check = f"agent events of instance {instance.id}"
            try:
                configs = list(connect.paginate("ListInstanceStorageConfigs", "StorageConfigs",
                                                InstanceId=instance.id, ResourceType="AGENT_EVENTS", MaxResults=10))
            except MissingPermissionError:
                self.warn(STREAM_CHECK_ACTION, "missing: cannot check which stream the instances write agent "
                          "events to", f"add {STREAM_CHECK_ACTION} (optional; see docs/iam.md)")
                return
            except ClientError as error:
                answer = error.response.get("Error", {})
                self.warn(check, f"cannot check: {answer.get('Code')}: {answer.get('Message', '')}", "see the message")
                continue
            arns = [c["KinesisStreamConfig"]["StreamArn"] for c in configs
                    if c.get("StorageType") == "KINESIS_STREAM" and c.get("KinesisStreamConfig")]
            if not arns:
                self.warn(check, "agent event streaming is off: the adherence tables will stay empty",
                          "Connect console: the instance > Data streaming > Enable data streaming, "
                          "Agent Events: choose a Kinesis stream")
            elif not any(_same_stream(arn, read_arn) for arn in arns):
                self.warn(check, f"written to {', '.join(arns)}, but tap-connect-kinesis reads {read or 'no stream'}",
                          "set tap-connect-kinesis stream_name/stream_arn to that stream (unless you relay events)")
            else:
                self.record(check, True, f"written to {next(a for a in arns if _same_stream(a, read_arn))}, "
                            "the stream tap-connect-kinesis reads")
        if instances:
            self.record(STREAM_CHECK_ACTION, True, "allowed")

    # -- output -----------------------------------------------------------------------------
    def table(self) -> str:
        rows = [("check", "result", "fix")] + [
            (f.check, ("WARNING: " if f.warning else "ok: " if f.ok else "FAILED: ") + f.detail, f.fix)
            for f in self.findings]
        widths = [min(max(len(r[i]) for r in rows), 70) for i in range(3)]
        return "\n".join("  ".join(cell[:70].ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                         for row in rows)

    @property
    def healthy(self) -> bool:
        return all(f.ok for f in self.findings)


def _same_stream(arn: str, read: str) -> bool:
    """`read`: tap-connect-kinesis's stream_arn, or "<region>/<stream_name>"."""
    parts = arn.split(":", 5)  # arn:aws:kinesis:<region>:<account>:stream/<name>
    return arn == read or (len(parts) == 6 and f"{parts[3]}/{parts[5].removeprefix('stream/')}" == read)


def meltano_config(project_root: Path, plugin: str) -> dict[str, Any]:
    """The plugin's resolved configuration, as `meltano run` would pass it."""
    meltano = Path(sys.executable).with_name("meltano")
    result = subprocess.run([str(meltano), "config", "--unsafe", "print", plugin, "--format", "json"],
                            cwd=project_root, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main(project_root: Path, connect_config: dict | None = None, kinesis_config: dict | None = None) -> int:
    doctor = Doctor()
    connect_config = connect_config if connect_config is not None else meltano_config(
        project_root, "tap-amazon-connect")
    kinesis_config = kinesis_config if kinesis_config is not None else meltano_config(
        project_root, "tap-connect-kinesis")
    doctor.amazon_connect(connect_config)
    doctor.connect_kinesis(kinesis_config)
    doctor.agent_event_streams(connect_config, kinesis_config)
    print(doctor.table())
    if any(f.warning for f in doctor.findings):
        print("\nWarnings above do not stop the pipeline, but say what will be missing.")
    print("\nEverything the pipeline needs works." if doctor.healthy else
          "\nSomething the pipeline needs does not work: see the fixes above.")
    return 0 if doctor.healthy else 1
