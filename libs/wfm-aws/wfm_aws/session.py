"""boto3 clients built from AwsSettings: base credentials, an assumed role that refreshes
itself before it expires, the proxy for every call (STS included), retries and rate limit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials

from .errors import AwsConfigError
from .ratelimit import OperationRateLimiter, Rate
from .settings import AwsSettings

log = logging.getLogger(__name__)
MAX_ADVISORY_REFRESH_S = 15 * 60
MAX_MANDATORY_REFRESH_S = 10 * 60


class _RoleCredentials(RefreshableCredentials):
    """Assumed-role credentials renewed ahead of expiry, scaled for short sessions.

    botocore renews 15 min (advisory) / 10 min (mandatory) before expiry; a 15-minute role
    session would then renew on every call, so the windows shrink with the duration.
    """

    def __init__(self, refresh, duration_s: int):
        metadata = refresh()
        super().__init__(
            metadata["access_key"], metadata["secret_key"], metadata["token"],
            datetime.fromisoformat(metadata["expiry_time"]), refresh, "assume-role",
            advisory_timeout=min(MAX_ADVISORY_REFRESH_S, duration_s // 3),
            mandatory_timeout=min(MAX_MANDATORY_REFRESH_S, duration_s // 6),
        )


class AwsSession:
    """Makes clients for one run, paced by budgets shared by all of them: `operation_rates`
    per API operation (`default_operation_rate` for operations not named; None: unpaced).
    `client_options` (botocore Config options: timeouts, retries) apply to every client, the
    role assumption's included (wfm-pipeline doctor: short timeouts, few attempts)."""

    def __init__(self, settings: AwsSettings, user_agent: str = "amazon-connect-wfm",
                 operation_rates: Mapping[str, Rate | None] | None = None,
                 default_operation_rate: Rate | None = None,
                 client_options: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        self._user_agent = user_agent
        self._client_options = dict(client_options or {})
        self.operation_limiter = (
            OperationRateLimiter(operation_rates or {}, default_operation_rate)
            if operation_rates or default_operation_rate else None
        )
        self.role_refreshes = 0
        self._session = self._build_session()

    # -- public -------------------------------------------------------------------------------
    def client(self, service: str, endpoint_url: str | None = None, **config: Any) -> Any:
        """A client for `service`; aws_endpoint_url applies unless another endpoint is given."""
        client = self._session.client(
            service,
            region_name=self.settings.region,
            endpoint_url=endpoint_url or self.settings.endpoint_url,
            config=self._config(**config),
        )
        if self.operation_limiter is not None:
            self.operation_limiter.install(client)
        return client

    def describe_credentials(self) -> str:
        """Where the credentials come from, never what they are (for logs)."""
        s = self.settings
        base = ("access key " + _mask(s.access_key_id)) if s.access_key_id else (
            f"profile {s.profile!r}" if s.profile else "the default credential chain")
        role = f", assuming {s.assume_role_arn}" if s.assume_role_arn else ""
        proxy = f", via proxy {s.proxy_url(redact=True)}" if s.proxy_address else ""
        return f"{base}{role}{proxy}"

    # -- building -----------------------------------------------------------------------------
    def _config(self, **overrides: Any) -> Config:
        options: dict[str, Any] = {
            "retries": {"mode": "standard", "max_attempts": self.settings.max_attempts},
            "user_agent_extra": self._user_agent,
            "connect_timeout": 10,
            "read_timeout": 60,
        }
        proxy = self.settings.proxy_url()
        if proxy:
            options["proxies"] = {"http": proxy, "https": proxy}
        options.update(self._client_options)
        options.update(overrides)
        return Config(**options)

    def _base_session(self) -> boto3.Session:
        s = self.settings
        try:
            return boto3.Session(
                aws_access_key_id=s.access_key_id,
                aws_secret_access_key=s.secret_access_key,
                aws_session_token=s.session_token,
                profile_name=s.profile,
                region_name=s.region,
            )
        except botocore.exceptions.ProfileNotFound:
            raise AwsConfigError(f"aws_profile {s.profile!r} is not in the AWS config files") from None

    def _build_session(self) -> boto3.Session:
        base = self._base_session()
        if base.get_credentials() is None:
            raise AwsConfigError(
                "no AWS credentials found: set aws_access_key_id and aws_secret_access_key, or aws_profile, "
                "or run where the default chain finds some (environment, instance or task role, web identity)"
            )
        if not self.settings.assume_role_arn:
            return base
        sts = base.client("sts", region_name=self.settings.region,
                          endpoint_url=self.settings.sts_endpoint_url, config=self._config())
        credentials = _RoleCredentials(self._role_refresher(sts), self.settings.assume_role_duration_seconds)
        assumed = botocore.session.Session()
        assumed._credentials = credentials  # botocore has no public setter for refreshable credentials
        return boto3.Session(botocore_session=assumed, region_name=self.settings.region)

    def _role_refresher(self, sts):
        s = self.settings
        kwargs = {
            "RoleArn": s.assume_role_arn,
            "RoleSessionName": s.assume_role_session_name,
            "DurationSeconds": s.assume_role_duration_seconds,
        }
        if s.assume_role_external_id:
            kwargs["ExternalId"] = s.assume_role_external_id

        def refresh() -> dict[str, str]:
            answer = sts.assume_role(**kwargs)["Credentials"]
            self.role_refreshes += 1
            log.info("Assumed role %s; session valid until %s", s.assume_role_arn, answer["Expiration"])
            return {
                "access_key": answer["AccessKeyId"],
                "secret_key": answer["SecretAccessKey"],
                "token": answer["SessionToken"],
                "expiry_time": answer["Expiration"].isoformat(),
            }

        return refresh


def _mask(value: str | None) -> str:
    return f"{value[:4]}…{value[-2:]}" if value and len(value) > 8 else "***"
