"""AWS sessions shared by tap-amazon-connect and tap-connect-kinesis."""

from .errors import AwsConfigError, MissingPermissionError, explain_client_error, iam_action
from .ratelimit import OperationRateLimiter, Rate, RateLimiter
from .regions import normalize_region
from .session import AwsSession
from .settings import AwsSettings

__all__ = [
    "AwsConfigError",
    "AwsSession",
    "AwsSettings",
    "MissingPermissionError",
    "OperationRateLimiter",
    "Rate",
    "RateLimiter",
    "explain_client_error",
    "iam_action",
    "normalize_region",
]
