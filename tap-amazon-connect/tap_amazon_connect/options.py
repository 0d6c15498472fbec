"""The tap's own settings (beyond aws_* and proxy_*): declared once here, with their defaults
(the tap's configuration schema is built from SETTINGS), read once and checked up front."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from singer_sdk import typing as th

from wfm_aws import ConfigError

from .quotas import EVERY_OTHER, OPERATIONS
from .windows import INTERVAL_PERIODS, V1_MARGIN, V1_REACH, V2_REACH, ceil_to, parse_datetime

CHANNELS = ("VOICE", "CHAT", "TASK", "EMAIL")
# GetMetricData (V1) and GetCurrentMetricData take VOICE, CHAT and TASK only; EMAIL is for
# GetMetricDataV2 alone (docs/aws-sources.md §4; botocore GetMetricDataRequest.Filters,
# GetCurrentMetricDataRequest.Filters).
V1_AND_CURRENT_CHANNELS = ("VOICE", "CHAT", "TASK")
QUEUE_TYPES = ("STANDARD", "AGENT")
DEFAULT_START = timedelta(days=30)

S, I, N = th.StringType, th.IntegerType, th.NumberType  # noqa: E741

SETTINGS = th.PropertiesList(
    # -- what to read ------------------------------------------------------------------
    th.Property("instance_ids", th.ArrayType(S),
                description="Instance ids or ARNs; empty: every instance ListInstances returns"),
    th.Property("start_date", th.DateTimeType,
                description="First run reaches back to here (default 30 days; v2 at most 90 days, v1 24 hours)"),
    th.Property("metrics_api", th.StringType(allowed_values=["v2", "v1"]), default="v2",
                description="v2: GetMetricDataV2 (default); v1: GetMetricData"),
    th.Property("interval_minutes", th.IntegerType(allowed_values=list(INTERVAL_PERIODS)), default=15,
                description="Interval length of queue_interval_metrics"),
    th.Property("lookback_minutes", I, default=120,
                description="Trailing window every run re-reads (Connect restates recent intervals)"),
    th.Property("settle_minutes", I, default=5,
                description="An interval is read once interval_end <= now - settle_minutes"),
    th.Property("queue_ids", th.ArrayType(S), description="Only these queues (ids or ARNs); empty: all"),
    th.Property("queue_types", th.ArrayType(th.StringType(allowed_values=list(QUEUE_TYPES))),
                default=["STANDARD"], description="Queue types read (agent queues multiply rows; "
                                                  "GetMetricDataV2 does not read them)"),
    th.Property("channels", th.ArrayType(th.StringType(allowed_values=list(CHANNELS))),
                default=["VOICE", "CHAT", "TASK"],
                description="Channels read (VOICE, CHAT, TASK, EMAIL; EMAIL from GetMetricDataV2 only)"),
    th.Property("service_level_thresholds_seconds", th.ArrayType(I), default=[20],
                description="Answered-within thresholds; the first fills contacts_answered_in_threshold"),
    # agent_activity_metrics' first run reads back this far by default: the reconciliation looks
    # at the last day, and a 30-day backfill at 5,000 agents would be ~48,000 requests.
    th.Property("agent_activity_backfill_hours", I, default=24,
                description="How far back the first run of agent_activity_metrics (optional stream) reads, "
                            "in hours (1-2160; not before start_date)"),
    th.Property("api_quotas", th.ObjectType(additional_properties=N),
                description="Connect's requests-per-second quota per operation in your account, e.g. "
                            '{"ListUsers": 10}; "*": every operation not named; 0: no client-side limit. '
                            "Unset: AWS's documented defaults (GetMetricData and GetCurrentMetricData "
                            "5/s, every other 2/s). The tap paces a little under each"),
)
DEFAULTS: Mapping[str, Any] = {
    name: prop["default"] for name, prop in SETTINGS.to_dict()["properties"].items() if "default" in prop
}


def _setting(config: Mapping[str, Any], name: str) -> Any:
    """The configured value, or the declared default where it is unset (missing or null)."""
    value = config.get(name)
    return DEFAULTS.get(name) if value is None else value


class OptionsError(ConfigError):
    """A setting that cannot work; the message says which and why."""


@dataclass(frozen=True)
class Options:
    metrics_api: str
    interval_minutes: int
    lookback_minutes: int
    settle_minutes: int
    channels: tuple[str, ...]
    queue_types: tuple[str, ...]
    thresholds: tuple[int, ...]
    start_date: datetime | None  # None: the default reach (30 days for v2, 24 h for v1)
    api_quotas: Mapping[str, float]  # operation or "*" -> requests per second (0: unpaced)
    agent_activity_backfill_hours: int = DEFAULTS["agent_activity_backfill_hours"]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Options:
        api = str(_setting(config, "metrics_api")).lower()
        if api not in ("v1", "v2"):
            raise OptionsError(f"metrics_api must be 'v2' (GetMetricDataV2) or 'v1' (GetMetricData), not {api!r}")
        interval = int(_setting(config, "interval_minutes"))
        if interval not in INTERVAL_PERIODS:
            raise OptionsError(f"interval_minutes must be 15, 30 or 60, not {interval}")
        lookback = int(_setting(config, "lookback_minutes"))
        settle = int(_setting(config, "settle_minutes"))
        if lookback < 0 or settle < 0:
            raise OptionsError("lookback_minutes and settle_minutes cannot be negative")
        channels = tuple(str(c).upper() for c in (config.get("channels") or DEFAULTS["channels"]))
        unknown = sorted(set(channels) - set(CHANNELS))
        if unknown:
            raise OptionsError(f"channels: {', '.join(unknown)} unknown; use {', '.join(CHANNELS)}")
        types = tuple(str(t).upper() for t in (config.get("queue_types") or DEFAULTS["queue_types"]))
        if set(types) - set(QUEUE_TYPES):
            raise OptionsError(f"queue_types must be among {', '.join(QUEUE_TYPES)}, not {list(types)}")
        thresholds = tuple(int(t) for t in (config.get("service_level_thresholds_seconds")
                                            or DEFAULTS["service_level_thresholds_seconds"]))
        if not thresholds or any(not 1 <= t <= 604_800 for t in thresholds) or len(thresholds) > 10:
            raise OptionsError("service_level_thresholds_seconds: 1 to 10 whole seconds, each 1..604800")
        start = _start_date(config.get("start_date"))
        backfill = int(_setting(config, "agent_activity_backfill_hours"))
        if not 1 <= backfill <= V2_REACH.days * 24:
            raise OptionsError(f"agent_activity_backfill_hours must be 1 to {V2_REACH.days * 24} "
                               f"(GetMetricDataV2 keeps about 3 months), not {backfill}")
        options = cls(api, interval, lookback, settle, tuple(dict.fromkeys(channels)),
                      tuple(dict.fromkeys(types)), tuple(dict.fromkeys(thresholds)), start,
                      _api_quotas(config), backfill)
        return options

    @property
    def v1_and_current_channels(self) -> tuple[str, ...]:
        """The configured channels GetMetricData and GetCurrentMetricData accept (not EMAIL)."""
        return tuple(c for c in self.channels if c in V1_AND_CURRENT_CHANNELS)

    @property
    def interval_channels(self) -> tuple[str, ...]:
        """The channels queue_interval_metrics reads with the configured metrics_api."""
        return self.v1_and_current_channels if self.metrics_api == "v1" else self.channels

    @property
    def v2_queue_types(self) -> tuple[str, ...]:
        """Queue types GetMetricDataV2 is asked about: it does not support agent queues
        (docs/aws-sources.md §5; https://docs.aws.amazon.com/connect/latest/APIReference/API_GetMetricDataV2.html)."""
        return tuple(t for t in self.queue_types if t != "AGENT")

    def notes(self) -> list[str]:
        """What the settings ask for that an API cannot give, said once when the tap starts."""
        notes = []
        if "EMAIL" in self.channels:
            v1 = " and queue_interval_metrics (metrics_api v1)" if self.metrics_api == "v1" else ""
            notes.append("channels: EMAIL has no current or v1 metrics (GetCurrentMetricData and GetMetricData "
                         f"take VOICE, CHAT and TASK only), so queue_current_metrics{v1} have no EMAIL rows")
        if "AGENT" in self.queue_types:
            without, still = (("queue_interval_metrics (v2) and agent_interval_metrics read", "")
                              if self.metrics_api == "v2" else
                              ("agent_interval_metrics reads", ", queue_interval_metrics (v1)"))
            notes.append(f"queue_types: GetMetricDataV2 does not support agent queues, so {without} standard "
                         f"queues only; agent queues are still in queues{still} and queue_current_metrics")
        return notes

    @property
    def reach(self) -> timedelta:
        return V1_REACH - V1_MARGIN if self.metrics_api == "v1" else V2_REACH

    def check_reach(self, now: datetime) -> None:
        """start_date must be within the API's reach (it matters only without a bookmark)."""
        if self.start_date is None:
            return
        if self.start_date < now - self.reach:
            if self.metrics_api == "v1":
                raise OptionsError(
                    f"start_date {self.start_date.isoformat()} is more than 24 hours ago: GetMetricData "
                    "(metrics_api v1) reaches back 24 hours only. Use metrics_api v2 (about 3 months) "
                    "or a later start_date."
                )
            raise OptionsError(
                f"start_date {self.start_date.isoformat()} is more than 90 days ago: GetMetricDataV2 keeps "
                "about 3 months of history. Use a later start_date."
            )

    def future_start_warning(self, now: datetime) -> str | None:
        """A start_date still to come: the tap runs, but reads nothing until then."""
        if self.start_date is None or self.start_date <= now:
            return None
        first_end = ceil_to(self.start_date, self.interval_minutes) + timedelta(minutes=self.interval_minutes)
        readable = first_end + timedelta(minutes=self.settle_minutes)
        return (f"start_date {self.start_date.isoformat()} is in the future: no interval can be read until "
                f"{readable.isoformat()} (its first interval closes, plus settle_minutes); for history, "
                "set a start_date in the past")

    def default_start(self, now: datetime) -> datetime:
        if self.start_date is not None:
            return self.start_date
        return now - (self.reach if self.metrics_api == "v1" else DEFAULT_START)


def _start_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parse_datetime(value)
    except (TypeError, ValueError):
        raise OptionsError(f"start_date must be an ISO 8601 date or date-time like 2026-01-31T00:00:00Z, "
                           f"not {value!r}") from None


def _api_quotas(config: Mapping[str, Any]) -> dict[str, float]:
    if config.get("max_requests_per_second") is not None:
        raise OptionsError("max_requests_per_second was replaced by api_quotas (Connect throttles each "
                           'operation on its own): remove it; for no client-side limit set api_quotas {"*": 0}')
    quotas: dict[str, float] = {}
    for name, rate in (config.get("api_quotas") or {}).items():
        if name != EVERY_OTHER and name not in OPERATIONS:
            raise OptionsError(f"api_quotas: {name} is not an operation the tap calls; use "
                               f'{", ".join(OPERATIONS)}, or "*" for every other')
        try:
            quotas[name] = float(rate)
        except (TypeError, ValueError):
            raise OptionsError(f"api_quotas: {name} must be requests per second, not {rate!r}") from None
        if quotas[name] < 0:
            raise OptionsError(f"api_quotas: {name} cannot be negative (0 turns client-side pacing off)")
    return quotas
