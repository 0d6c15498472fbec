"""Errors as Amazon Connect answers them (rest-json: HTTP status, x-amzn-ErrorType, Message)."""

from __future__ import annotations

from collections.abc import Sequence

from .service_model import connect_model, error_codes

# Codes Connect uses that are not error shapes of the model.
_UNMODELLED_STATUS = {"UnknownOperationException": 404, "SerializationException": 400}


def http_status_of(code: str) -> int:
    if code in _UNMODELLED_STATUS:
        return _UNMODELLED_STATUS[code]
    shape = connect_model().shape_for(code)
    return int(shape.metadata.get("error", {}).get("httpStatusCode", 400))


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = http_status_of(code)

    def body(self) -> dict[str, str]:
        return {"Message": self.message}


def throttled() -> ApiError:
    return ApiError("ThrottlingException", "Rate exceeded")


def access_denied(caller_arn: str, operation: str, resource_arn: str) -> ApiError:
    action = f"connect:{operation}"
    return ApiError(
        "AccessDeniedException",
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource_arn} "
        f"because no identity-based policy allows the {action} action",
    )


def not_found(message: str) -> ApiError:
    return ApiError("ResourceNotFoundException", message)


def invalid_parameter(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def invalid_request(message: str) -> ApiError:
    return ApiError("InvalidRequestException", message)


def bad_input(operation: str, message: str) -> ApiError:
    """A rejected parameter: InvalidParameterException where the operation has it, else
    InvalidRequestException (ListInstances declares only the latter)."""
    if "InvalidParameterException" in error_codes(operation):
        return invalid_parameter(message)
    return invalid_request(message)


def validation_failed(operation: str, violations: Sequence[str]) -> ApiError:
    """Constraint violations worded as AWS's request validation words them."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return bad_input(operation, f"{count} validation {noun} detected: " + "; ".join(violations))


def internal_error() -> ApiError:
    return ApiError("InternalServiceException", "Request processing failed due to an internal error")


def unknown_operation(method: str, path: str) -> ApiError:
    return ApiError("UnknownOperationException", f"No operation matches {method} {path}")


def malformed_body() -> ApiError:
    return ApiError("SerializationException", "The request body is not valid JSON")
