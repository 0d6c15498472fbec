"""`wfm-pipeline doctor`: tries every call the pipeline needs, the cheapest way, and says
what to fix — the missing IAM action, the bad region, the unknown instance or stream, the
unreachable proxy, a skewed clock. Exits non-zero when something needed is missing.
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


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""


class Doctor:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def record(self, check: str, ok: bool, detail: str, fix: str = "") -> bool:
        self.findings.append(Finding(check, ok, detail, fix))
        return ok

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
        from tap_amazon_connect.options import Options
        from tap_amazon_connect.permissions import STREAM_ACTIONS, check_permissions

        if self.session("tap-amazon-connect", config) is None:
            return
        connect = ConnectClient(config)
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

    # -- output -----------------------------------------------------------------------------
    def table(self) -> str:
        rows = [("check", "result", "fix")] + [
            (f.check, ("ok: " if f.ok else "FAILED: ") + f.detail, f.fix) for f in self.findings]
        widths = [min(max(len(r[i]) for r in rows), 70) for i in range(3)]
        return "\n".join("  ".join(cell[:70].ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                         for row in rows)

    @property
    def healthy(self) -> bool:
        return all(f.ok for f in self.findings)


def meltano_config(project_root: Path, plugin: str) -> dict[str, Any]:
    """The plugin's resolved configuration, as `meltano run` would pass it."""
    meltano = Path(sys.executable).with_name("meltano")
    result = subprocess.run([str(meltano), "config", "--unsafe", "print", plugin, "--format", "json"],
                            cwd=project_root, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main(project_root: Path, connect_config: dict | None = None, kinesis_config: dict | None = None) -> int:
    doctor = Doctor()
    doctor.amazon_connect(connect_config if connect_config is not None
                          else meltano_config(project_root, "tap-amazon-connect"))
    doctor.connect_kinesis(kinesis_config if kinesis_config is not None
                           else meltano_config(project_root, "tap-connect-kinesis"))
    print(doctor.table())
    print("\nEverything the pipeline needs works." if doctor.healthy else
          "\nSomething the pipeline needs does not work: see the fixes above.")
    return 0 if doctor.healthy else 1
