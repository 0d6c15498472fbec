"""AWS sessions shared by tap-amazon-connect and tap-connect-kinesis."""

from .errors import (
    AwsConfigError,
    ConfigError,
    MissingPermissionError,
    Unreachable,
    explain_client_error,
    explain_unreachable,
    iam_action,
    is_aws_answer,
)
from .ratelimit import OperationRateLimiter, Rate, RateLimiter
from .regions import normalize_region
from .session import AwsSession
from .settings import AwsSettings

__all__ = [
    "AwsConfigError",
    "AwsSession",
    "AwsSettings",
    "ConfigError",
    "MissingPermissionError",
    "OperationRateLimiter",
    "Rate",
    "RateLimiter",
    "Unreachable",
    "explain_client_error",
    "explain_unreachable",
    "iam_action",
    "is_aws_answer",
    "normalize_region",
]
