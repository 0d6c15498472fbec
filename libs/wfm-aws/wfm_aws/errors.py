"""Errors that tell the operator what to fix."""

from __future__ import annotations

from botocore.exceptions import ClientError

ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})
IAM_DOC = "docs/iam.md"


class AwsConfigError(ValueError):
    """The tap's AWS settings cannot work as given."""


class MissingPermissionError(PermissionError):
    """AWS refused a call for want of an IAM permission."""

    def __init__(self, action: str, aws_message: str = "") -> None:
        self.action = action
        self.aws_message = aws_message
        super().__init__(
            f"Missing IAM permission {action}: allow it for the user or role the tap runs as "
            f"(see {IAM_DOC}). AWS said: {aws_message or 'access denied'}"
        )


def iam_action(client_or_prefix, operation_name: str) -> str:
    """The IAM action a call needs: 'connect:GetMetricDataV2', 'kinesis:ListShards', ..."""
    prefix = client_or_prefix
    if not isinstance(prefix, str):
        prefix = client_or_prefix.meta.service_model.signing_name
    return f"{prefix}:{operation_name}"


def is_access_denied(error: BaseException) -> bool:
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in ACCESS_DENIED_CODES


def explain_client_error(error: ClientError, prefix: str) -> Exception:
    """Turn AccessDenied into MissingPermissionError naming the action; others pass through."""
    if is_access_denied(error):
        operation = error.operation_name
        return MissingPermissionError(iam_action(prefix, operation), error.response["Error"].get("Message", ""))
    return error
