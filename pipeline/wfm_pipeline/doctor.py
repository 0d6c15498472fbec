"""`wfm-pipeline doctor`: tries every call the pipeline needs, the cheapest way, and says
what to fix — the missing IAM action, the bad region, the unknown instance or stream, the
unreachable endpoint or proxy (refused, not found, credentials refused, TLS, no answer, an
answer that is not AWS's), a skewed clock, an instance whose agent events go to another
stream (or nowhere). Every problem is a row of its table, never a traceback: the doctor
exists for the case where things do not work. Exits non-zero when something needed is
missing; warnings do not fail it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from wfm_aws import (
    AwsConfigError,
    AwsSession,
    AwsSettings,
    ConfigError,
    MissingPermissionError,
    explain_client_error,
    explain_unreachable,
    is_aws_answer,
)
from wfm_aws.errors import explain_proxy_unreachable

MAX_CLOCK_SKEW_S = 240  # SigV4 refuses requests more than 5 minutes off
STREAM_CHECK_ACTION = "connect:ListInstanceStorageConfigs"
TIMEOUT_S = 10.0  # per connection and per answer; 2 attempts: the doctor never waits minutes
NOT_AWS_FIX = "check aws_endpoint_url (unset: AWS's own endpoint) and the proxy settings"
REPORT_FIX = "unexpected: run the doctor again; if it stays, report it with this line"


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # worth fixing, but the pipeline runs without it


class Doctor:
    def __init__(self, timeout_s: float = TIMEOUT_S) -> None:
        self.findings: list[Finding] = []
        self.timeout_s = timeout_s
        # botocore options of every client the doctor makes (STS included)
        self.client_options = {"connect_timeout": timeout_s, "read_timeout": timeout_s,
                               "retries": {"mode": "standard", "max_attempts": 2}}
        self.unreachable = False  # the last call failed on the way to AWS (not an AWS answer)

    def record(self, check: str, ok: bool, detail: str, fix: str = "") -> bool:
        self.findings.append(Finding(check, ok, detail, fix))
        return ok

    def warn(self, check: str, detail: str, fix: str) -> None:
        self.findings.append(Finding(check, True, detail, fix, warning=True))

    def guarded(self, check: str, step: Callable[[], Any]) -> None:
        """Run a step of the doctor; whatever it raises becomes a FAILED row, never a traceback."""
        try:
            step()
        except Exception as error:  # the doctor must finish its table
            self._failed(check, error)

    # -- shared -----------------------------------------------------------------------------
    def settings(self, plugin: str, tap_class: Any, config: Mapping[str, Any]) -> bool:
        """The tap's own configuration checks (the ones its command line makes)."""
        problems = tap_class.config_problems(config)
        if problems:
            self.record(f"{plugin}: settings", False, "; ".join(problems), f"fix the setting in {plugin}'s config")
            return False
        return True

    def session(self, plugin: str, config: Mapping[str, Any]) -> AwsSession | None:
        try:
            settings = AwsSettings.from_config(config)
        except AwsConfigError as error:
            self.record(f"{plugin}: settings", False, str(error), f"fix the setting in {plugin}'s config")
            return None
        self.record(f"{plugin}: region", True, settings.region)
        if settings.proxy_address and not self._proxy(plugin, settings):
            return None  # every call would fail the same way
        try:
            aws = AwsSession(settings, user_agent="wfm-doctor", client_options=self.client_options)
        except AwsConfigError as error:
            self.record(f"{plugin}: credentials", False, str(error),
                        "set aws_access_key_id/aws_secret_access_key, aws_profile, or run with a role")
            return None
        except (BotoCoreError, ClientError) as error:  # the role assumption (STS) failed
            unreachable = explain_unreachable(error)
            if unreachable is not None:
                self.record(f"{plugin}: credentials", False, f"sts:AssumeRole: {unreachable.problem}", unreachable.fix)
            else:
                explained = explain_client_error(error, "sts") if isinstance(error, ClientError) else error
                self.record(f"{plugin}: credentials", False, f"sts:AssumeRole: {explained}",
                            "check aws_assume_role_arn, aws_assume_role_external_id and the role's trust policy")
            return None
        except Exception as error:
            self._failed(f"{plugin}: credentials", error)
            return None
        self.record(f"{plugin}: credentials", True, aws.describe_credentials())
        return aws

    def _proxy(self, plugin: str, settings: AwsSettings) -> bool:
        url = settings.proxy_url(redact=True) or ""
        parts = urlsplit(settings.proxy_url() or "")
        try:
            socket.create_connection((parts.hostname, parts.port), timeout=min(5.0, self.timeout_s)).close()
        except OSError as error:
            unreachable = explain_proxy_unreachable(url, error)
            return self.record(f"{plugin}: proxy", False, unreachable.problem, unreachable.fix)
        return self.record(f"{plugin}: proxy", True, f"{url} reachable")

    def _failed(self, check: str, error: BaseException) -> None:
        unreachable = explain_unreachable(error)
        if unreachable is not None:
            self.record(check, False, unreachable.problem, unreachable.fix)
        elif isinstance(error, ConfigError | MissingPermissionError):
            self.record(check, False, str(error), "see the message")
        else:
            self.record(check, False, f"{type(error).__name__}: {' '.join(str(error).split())[:200]}", REPORT_FIX)

    def clock(self, answer: Mapping[str, Any]) -> None:
        date = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        if not date:
            return
        try:  # a proxy may add a Date of its own: "date1, date2", or one without a zone
            moment = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        skew = (datetime.now(UTC) - moment).total_seconds()
        ok = abs(skew) < MAX_CLOCK_SKEW_S
        self.record("clock skew", ok, f"{skew:+.0f} s against AWS",
                    "" if ok else "synchronise this machine's clock (NTP): AWS refuses requests 5 minutes off")

    def call(self, check: str, prefix: str, fn: Callable[[], Any], not_found_fix: str = "") -> Any:
        self.unreachable = False
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
            unreachable = explain_unreachable(error)  # a proxy's 407, a web server's 404
            if unreachable is not None:
                self.unreachable = True
                self.record(check, False, unreachable.problem, unreachable.fix)
                return None
            code = error.response.get("Error", {}).get("Code", "")
            fix = not_found_fix if "NotFound" in code else "see the message"
            self.record(check, False, f"{code}: {error.response['Error'].get('Message', '')}", fix)
            return None
        except Exception as error:  # BotoCoreError and anything else: a row
            self.unreachable = explain_unreachable(error) is not None
            self._failed(check, error)
            return None
        if not is_aws_answer(answer):
            self.unreachable = True
            self.record(check, False, "the endpoint answered, but not as AWS does (no request id)", NOT_AWS_FIX)
            return None
        self.record(check, True, "allowed")
        return answer

    # -- the taps ---------------------------------------------------------------------------
    def amazon_connect(self, config: Mapping[str, Any]) -> None:
        from tap_amazon_connect.client import ConnectClient
        from tap_amazon_connect.options import Options
        from tap_amazon_connect.permissions import STREAM_ACTIONS, check_permissions
        from tap_amazon_connect.tap import TapAmazonConnect

        if not self.settings("tap-amazon-connect", TapAmazonConnect, config):
            return
        if self.session("tap-amazon-connect", config) is None:
            return
        try:
            connect = ConnectClient(config, client_options=self.client_options)
        except Exception as error:  # the role assumption again, through the network
            self._failed("tap-amazon-connect: credentials", error)
            return
        instance_ids = [str(i).rsplit("/", 1)[-1] for i in config.get("instance_ids") or []]
        for instance_id in instance_ids or [None]:
            check = f"instance {instance_id}" if instance_id else "connect:ListInstances"
            answer = self.call(check, "connect", lambda i=instance_id: connect.call(
                "DescribeInstance", InstanceId=i) if i else connect.call("ListInstances", MaxResults=1),
                f"instance {instance_id} is not in {connect.settings.region}: check instance_ids and aws_region")
            if self.unreachable:
                return  # every other call would fail the same way
            if answer and not any(f.check == "clock skew" for f in self.findings):
                self.clock(answer)
        options = Options.from_config(config)
        try:
            problems = check_permissions(connect, options, list(STREAM_ACTIONS))
        except Exception as error:  # the network failing half-way
            self._failed("tap-amazon-connect: permissions", error)
            return
        missing = {p.split(":", 2)[1] for p in problems if p.startswith("connect:") and ": missing" in p}
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
        from tap_connect_kinesis.tap import TapConnectKinesis

        if not self.settings("tap-connect-kinesis", TapConnectKinesis, config):
            return
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
        if self.unreachable:
            return
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

        try:
            region = AwsSettings.from_config(kinesis_config).region
            connect = ConnectClient(connect_config, client_options=self.client_options)
            instances = connect.instances()
        except Exception:
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
            except Exception as error:  # the network: say so, go on
                unreachable = explain_unreachable(error)
                self.warn(check, f"cannot check: {unreachable.problem if unreachable else error}",
                          unreachable.fix if unreachable else "see the message")
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
        """check, result, fix: long results and fixes wrap onto more lines, never cut."""
        rows = [("check", "result", "fix")] + [
            (f.check, ("WARNING: " if f.warning else "ok: " if f.ok else "FAILED: ") + f.detail, f.fix)
            for f in self.findings]
        limits = (44, 64, 64)
        widths = [min(max(len(r[i]) for r in rows), limit) for i, limit in enumerate(limits)]
        lines = []
        for row in rows:
            cells = [textwrap.wrap(cell, width, break_long_words=True, break_on_hyphens=False) or [""]
                     for cell, width in zip(row, widths, strict=True)]
            for n in range(max(len(c) for c in cells)):
                parts = [(c[n] if n < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)]
                lines.append("  ".join(parts).rstrip())
        return "\n".join(lines)

    @property
    def healthy(self) -> bool:
        return all(f.ok for f in self.findings)


def _same_stream(arn: str, read: str) -> bool:
    """`read`: tap-connect-kinesis's stream_arn, or "<region>/<stream_name>"."""
    parts = arn.split(":", 5)  # arn:aws:kinesis:<region>:<account>:stream/<name>
    return arn == read or (len(parts) == 6 and f"{parts[3]}/{parts[5].removeprefix('stream/')}" == read)


class MeltanoConfigError(Exception):
    """`meltano config print` failed: the message says why, on one line."""


def meltano_config(project_root: Path, plugin: str) -> dict[str, Any]:
    """The plugin's resolved configuration, as `meltano run` would pass it."""
    meltano = Path(sys.executable).with_name("meltano")
    try:
        result = subprocess.run([str(meltano), "config", "--unsafe", "print", plugin, "--format", "json"],
                                cwd=project_root, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MeltanoConfigError(f"meltano config print {plugin}: {error}") from None
    if result.returncode != 0:
        last = next((line.strip() for line in reversed(result.stderr.splitlines()) if line.strip()), "")
        raise MeltanoConfigError(f"meltano config print {plugin} failed (exit {result.returncode}): {last[:200]}")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise MeltanoConfigError(f"meltano config print {plugin} did not print JSON") from None


def main(project_root: Path, connect_config: dict | None = None, kinesis_config: dict | None = None,
         doctor: Doctor | None = None) -> int:
    doctor = doctor or Doctor()
    configs: dict[str, dict | None] = {"tap-amazon-connect": connect_config, "tap-connect-kinesis": kinesis_config}
    for plugin, config in configs.items():
        if config is None:
            try:
                configs[plugin] = meltano_config(project_root, plugin)
            except MeltanoConfigError as error:
                doctor.record(f"{plugin}: configuration", False, str(error),
                              f"fix meltano.yml or pass --{plugin.split('-')[-1]}-config FILE")
    connect, kinesis = configs["tap-amazon-connect"], configs["tap-connect-kinesis"]
    if connect is not None:
        doctor.guarded("tap-amazon-connect", lambda: doctor.amazon_connect(connect))
    if kinesis is not None:
        doctor.guarded("tap-connect-kinesis", lambda: doctor.connect_kinesis(kinesis))
    if connect is not None and kinesis is not None:
        doctor.guarded("agent event streams", lambda: doctor.agent_event_streams(connect, kinesis))
    print(doctor.table())
    if any(f.warning for f in doctor.findings):
        print("\nWarnings above do not stop the pipeline, but say what will be missing.")
    print("\nEverything the pipeline needs works." if doctor.healthy else
          "\nSomething the pipeline needs does not work: see the fixes above.")
    return 0 if doctor.healthy else 1
