"""Amazon Connect calls for the tap: one boto3 client per run, pagination, the metric
request windows, throttling and AccessDenied turned into MissingPermissionError.

Retries: botocore's standard mode (exponential backoff with jitter, up to aws_max_attempts
attempts) handles every throttled attempt; a call still throttled after that waits and
starts over a few more times, so a throttling storm slows a run but does not fail it.
Every HTTP attempt of the run is paced a little under its operation's API quota
(quotas.py, setting api_quotas).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from wfm_aws import AwsSession, AwsSettings, MissingPermissionError, explain_client_error

from . import __version__, metric_specs, quotas
from .options import Options, OptionsError
from .windows import INTERVAL_PERIODS

log = logging.getLogger("tap-amazon-connect")

THROTTLING_CODES = frozenset({"ThrottlingException", "TooManyRequestsException", "Throttling",
                              "LimitExceededException"})
MAX_FILTER_VALUES = 100  # resource ids (queues, routing profiles) per metric request (V1 and V2)
MAX_PAGE_SIZE = 100  # MaxResults of a metric request page (V1, V2 and current)
EXTRA_THROTTLE_ROUNDS = 6
MAX_THROTTLE_PAUSE_S = 60.0
# ListInstances and DescribeInstance also show instances being created or whose creation
# failed (docs/aws-sources.md §6; botocore InstanceStatus); only ACTIVE ones can be read.
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Instance:
    id: str
    arn: str
    alias: str | None
    document: dict[str, Any]

    @property
    def status(self) -> str:
        return self.document.get("InstanceStatus") or ACTIVE


@dataclass(frozen=True)
class Queue:
    id: str
    arn: str
    name: str | None
    queue_type: str
    document: dict[str, Any]


def instance_id_of(value: str) -> str:
    """An instance id, or the id inside an instance ARN."""
    value = value.strip()
    if value.startswith("arn:") and "instance/" in value:
        return value.split("instance/", 1)[1].split("/", 1)[0]
    return value


def queue_id_of(value: str) -> str:
    value = value.strip()
    return value.rsplit("/", 1)[1] if value.startswith("arn:") else value


class ConnectClient:
    """Every Connect call of one run goes through here (one client, paced per operation)."""

    def __init__(self, config: Mapping[str, Any], sleep=time.sleep,
                 client_options: Mapping[str, Any] | None = None) -> None:
        self.config = config
        self.settings = AwsSettings.from_config(config)
        rates, every_other = quotas.client_rates(Options.from_config(config).api_quotas)
        self.session = AwsSession(
            self.settings, user_agent=f"tap-amazon-connect/{__version__}",
            operation_rates=rates, default_operation_rate=every_other, client_options=client_options,
        )
        self._client = None
        self._sleep = sleep
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._listed: list[Instance] | None = None
        self._queues: dict[str, list[Queue]] = {}
        self._routing_profiles: dict[str, list[str]] = {}

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                log.info("Connecting to Amazon Connect in %s with %s", self.settings.region,
                         self.session.describe_credentials())
                self._client = self.session.client("connect")
            return self._client

    # -- one call -----------------------------------------------------------------------------
    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self.client, xform_name(operation))
        rounds = 0
        while True:
            self.calls[operation] += 1
            try:
                return method(**params)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code in THROTTLING_CODES and rounds < EXTRA_THROTTLE_ROUNDS:
                    rounds += 1
                    pause = min(MAX_THROTTLE_PAUSE_S, 2.0 ** rounds) * (0.5 + random.random() / 2)
                    log.warning("%s still throttled after botocore's retries; waiting %.1f s "
                                "(round %d of %d)", operation, pause, rounds, EXTRA_THROTTLE_ROUNDS)
                    self._sleep(pause)
                    continue
                explained = explain_client_error(error, "connect")
                if explained is error:
                    raise
                raise explained from error

    def paginate(self, operation: str, result_key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated listing (NextToken)."""
        for page in self.pages(operation, **params):
            yield from page.get(result_key) or []

    def pages(self, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        token = None
        while True:
            page = self.call(operation, **params, **({"NextToken": token} if token else {}))
            yield page
            token = page.get("NextToken")
            if not token:
                return

    # -- instances and queues (cached for the run) --------------------------------------------
    def listed_instances(self) -> list[Instance]:
        """The configured instances (DescribeInstance each), else every one ListInstances
        returns, whatever their status."""
        if self._listed is None:
            wanted = [instance_id_of(v) for v in self.config.get("instance_ids") or []]
            if wanted:
                found = [self.call("DescribeInstance", InstanceId=i)["Instance"] for i in dict.fromkeys(wanted)]
            else:
                found = list(self.paginate("ListInstances", "InstanceSummaryList"))
            self._listed = sorted(
                (Instance(d["Id"], d["Arn"], d.get("InstanceAlias"), d) for d in found), key=lambda i: i.id
            )
            for instance in self._listed:
                if instance.status != ACTIVE and not wanted:
                    log.info("Instance %s (%s) is %s, not ACTIVE: skipped", instance.id, instance.alias,
                             instance.status)
        return self._listed

    def instances(self) -> list[Instance]:
        """The instances the run reads: ACTIVE ones. A configured instance that is not ACTIVE
        is an error (OptionsError)."""
        listed = self.listed_instances()
        if self.config.get("instance_ids"):
            for instance in listed:
                if instance.status != ACTIVE:
                    reason = (instance.document.get("StatusReason") or {}).get("Message")
                    raise OptionsError(
                        f"instance_ids: instance {instance.id} is {instance.status}, not ACTIVE"
                        f"{f' ({reason})' if reason else ''}: Connect serves its data once it is created; "
                        "remove it from instance_ids or wait until it is ACTIVE")
        return [instance for instance in listed if instance.status == ACTIVE]

    def instance(self, instance_id: str) -> Instance:
        for instance in self.instances():
            if instance.id == instance_id:
                return instance
        raise KeyError(instance_id)

    def queues(self, instance_id: str) -> list[Queue]:
        """The queues the run collects: of the configured types, narrowed to queue_ids if set."""
        if instance_id not in self._queues:
            types = list(self.config.get("queue_types") or ["STANDARD"])
            wanted = {queue_id_of(q) for q in self.config.get("queue_ids") or []}
            summaries = self.paginate("ListQueues", "QueueSummaryList", InstanceId=instance_id,
                                      QueueTypes=types, MaxResults=1000)
            self._queues[instance_id] = sorted(
                (Queue(d["Id"], d["Arn"], d.get("Name"), d.get("QueueType", ""), d)
                 for d in summaries if not wanted or d["Id"] in wanted),
                key=lambda q: q.id,
            )
        return self._queues[instance_id]

    # -- metrics ------------------------------------------------------------------------------
    def metric_rows_v2(self, instance: Instance, resource_key: str, resource_ids: Sequence[str],
                       start: datetime, end: datetime, interval_minutes: int,
                       metrics: Sequence[Mapping[str, Any]], groupings: Sequence[str],
                       channels: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
        """GetMetricDataV2 results for [start, end) (under 3 days: windows.v2_windows), one per
        group and interval with data: one request (v2_request) per MAX_FILTER_VALUES ids of
        the resource filter, every page followed. Every V2 stream reads through here."""
        for batch in batches(resource_ids, MAX_FILTER_VALUES):
            yield from self.paginate("GetMetricDataV2", "MetricResults", **v2_request(
                instance, resource_key, batch, start, end, interval_minutes, metrics, groupings, channels))

    def routing_profile_ids(self, instance_id: str) -> list[str]:
        """Every routing profile of the instance (ListRoutingProfiles, cached for the run)."""
        if instance_id not in self._routing_profiles:
            self._routing_profiles[instance_id] = sorted(
                p["Id"] for p in self.paginate("ListRoutingProfiles", "RoutingProfileSummaryList",
                                               InstanceId=instance_id, MaxResults=1000))
        return self._routing_profiles[instance_id]

    def metric_rows_v1(self, instance: Instance, queue_ids: Sequence[str], channels: Sequence[str],
                       start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """GetMetricData totals for [start, end) (grouped by queue and channel)."""
        metrics = metric_specs.v1_request_metrics()
        for batch in batches(queue_ids, MAX_FILTER_VALUES):
            yield from self.paginate(
                "GetMetricData", "MetricResults",
                InstanceId=instance.id, StartTime=start, EndTime=end,
                Filters={"Queues": list(batch), "Channels": list(channels)},
                Groupings=["QUEUE", "CHANNEL"], HistoricalMetrics=metrics, MaxResults=MAX_PAGE_SIZE,
            )

    def current_rows(self, instance: Instance, queue_ids: Sequence[str],
                     channels: Sequence[str]) -> Iterator[tuple[dict[str, Any], datetime | None]]:
        metrics = metric_specs.current_request_metrics()
        for batch in batches(queue_ids, MAX_FILTER_VALUES):
            for page in self.pages(
                "GetCurrentMetricData", InstanceId=instance.id,
                Filters={"Queues": list(batch), "Channels": list(channels)},
                Groupings=["QUEUE", "CHANNEL"], CurrentMetrics=metrics, MaxResults=MAX_PAGE_SIZE,
            ):
                for row in page.get("MetricResults") or []:
                    yield row, page.get("DataSnapshotTime")


def v2_request(instance: Instance, resource_key: str, resource_ids: Sequence[str], start: datetime,
               end: datetime, interval_minutes: int, metrics: Sequence[Mapping[str, Any]],
               groupings: Sequence[str] = (), channels: Sequence[str] = (),
               max_results: int = MAX_PAGE_SIZE) -> dict[str, Any]:
    """The parameters of one GetMetricDataV2 request (the streams' and --test's alike).

    [start, end) must be under 3 days (windows.v2_windows). `resource_key` is QUEUE,
    ROUTING_PROFILE or AGENT: a request needs one such filter, with at most
    MAX_FILTER_VALUES ids (ConnectClient.metric_rows_v2 cuts them into batches).
    `channels`: a CHANNEL filter as well (channel values do not count toward that limit).
    No `groupings`: the request has no Groupings.
    """
    if len(resource_ids) > MAX_FILTER_VALUES:
        raise ValueError(f"GetMetricDataV2 takes at most {MAX_FILTER_VALUES} {resource_key} filter values, "
                         f"not {len(resource_ids)}")
    filters = [{"FilterKey": resource_key, "FilterValues": list(resource_ids)}]
    if channels:
        filters.append({"FilterKey": "CHANNEL", "FilterValues": list(channels)})
    return {
        "ResourceArn": instance.arn, "StartTime": start, "EndTime": end,
        "Interval": {"TimeZone": "UTC", "IntervalPeriod": INTERVAL_PERIODS[interval_minutes]},
        "Filters": filters,
        **({"Groupings": list(groupings)} if groupings else {}),
        "Metrics": list(metrics), "MaxResults": max_results,
    }


def batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


__all__ = ["ConnectClient", "Instance", "MissingPermissionError", "Queue", "batches", "v2_request"]
