"""The AWS settings both taps accept, read from a Singer config and checked up front."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import AwsConfigError
from .regions import normalize_region

SECRET_FIELDS = frozenset({"secret_access_key", "session_token", "proxy_password"})
ROLE_DURATION_RANGE = (900, 43_200)


@dataclass(frozen=True, repr=False)
class AwsSettings:
    region: str
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    profile: str | None = None
    assume_role_arn: str | None = None
    assume_role_external_id: str | None = None
    assume_role_session_name: str = "amazon-connect-wfm"
    assume_role_duration_seconds: int = 3600
    endpoint_url: str | None = None
    sts_endpoint_url: str | None = None
    proxy_address: str | None = None
    proxy_port: int | None = None
    proxy_username: str | None = None
    proxy_password: str | None = None
    max_attempts: int = 10

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AwsSettings:
        """Read `aws_*` and `proxy_*` keys of a tap config (numbers may arrive as Decimal)."""

        def text(key: str) -> str | None:
            value = config.get(key)
            return str(value).strip() or None if value is not None else None

        def number(key: str, default: int | None) -> int | None:
            value = config.get(key)
            if value is None or value == "":
                return default
            try:
                return int(value)
            except (TypeError, ValueError):
                raise AwsConfigError(f"{key} must be a whole number, not {value!r}") from None

        settings = cls(
            region=normalize_region(text("aws_region") or "us-east-1"),
            access_key_id=text("aws_access_key_id"),
            secret_access_key=text("aws_secret_access_key"),
            session_token=text("aws_session_token"),
            profile=text("aws_profile"),
            assume_role_arn=text("aws_assume_role_arn"),
            assume_role_external_id=text("aws_assume_role_external_id"),
            assume_role_session_name=text("aws_assume_role_session_name") or "amazon-connect-wfm",
            assume_role_duration_seconds=number("aws_assume_role_duration_seconds", 3600),
            endpoint_url=text("aws_endpoint_url"),
            sts_endpoint_url=text("aws_sts_endpoint_url"),
            proxy_address=text("proxy_address"),
            proxy_port=number("proxy_port", None),
            proxy_username=text("proxy_username"),
            proxy_password=text("proxy_password"),
            max_attempts=number("aws_max_attempts", 10),
        )
        settings.check()
        return settings

    def check(self) -> None:
        if bool(self.access_key_id) != bool(self.secret_access_key):
            raise AwsConfigError("set both aws_access_key_id and aws_secret_access_key, or neither")
        if self.session_token and not self.access_key_id:
            raise AwsConfigError("aws_session_token needs aws_access_key_id and aws_secret_access_key")
        low, high = ROLE_DURATION_RANGE
        if not low <= self.assume_role_duration_seconds <= high:
            raise AwsConfigError(
                f"aws_assume_role_duration_seconds must be between {low} and {high} "
                f"(got {self.assume_role_duration_seconds})"
            )
        if self.assume_role_external_id and not self.assume_role_arn:
            raise AwsConfigError("aws_assume_role_external_id is set but aws_assume_role_arn is not")
        if self.assume_role_arn and not self.assume_role_arn.startswith("arn:"):
            raise AwsConfigError(
                f"aws_assume_role_arn must be a role ARN like arn:aws:iam::123456789012:role/Name, "
                f"not {self.assume_role_arn!r}"
            )
        if (self.proxy_username or self.proxy_password or self.proxy_port) and not self.proxy_address:
            raise AwsConfigError("proxy_port, proxy_username or proxy_password is set but proxy_address is not")
        if self.proxy_password and not self.proxy_username:
            raise AwsConfigError("proxy_password needs proxy_username")
        if self.max_attempts < 1:
            raise AwsConfigError("aws_max_attempts must be at least 1")

    # -- proxy ------------------------------------------------------------------------------
    def proxy_url(self, redact: bool = False) -> str | None:
        """http://user:password@host:port with user and password percent-encoded."""
        if not self.proxy_address:
            return None
        address = self.proxy_address if "://" in self.proxy_address else f"http://{self.proxy_address}"
        parts = urlsplit(address)
        port = self.proxy_port or parts.port or (443 if parts.scheme == "https" else 80)
        credentials = ""
        if self.proxy_username:
            password = "***" if redact else quote(self.proxy_password or "", safe="")
            credentials = quote(self.proxy_username, safe="") + (f":{password}" if self.proxy_password else "")
            credentials += "@"
        return f"{parts.scheme}://{credentials}{parts.hostname}:{port}"

    def __repr__(self) -> str:
        shown = []
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            shown.append(f"{field.name}={'***' if field.name in SECRET_FIELDS else repr(value)}")
        return f"AwsSettings({', '.join(shown)})"

    __str__ = __repr__
