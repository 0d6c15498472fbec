"""Errors that tell the operator what to fix."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})
IAM_DOC = "docs/iam.md"


class ConfigError(ValueError):
    """A setting, config file or state file that cannot work as given. The message is one
    line that names the setting or file and says the fix; the taps' command line prints it
    alone and exits 2 (tap_cli.py)."""


class AwsConfigError(ConfigError):
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


# -- the network between the taps and AWS ---------------------------------------------------------
@dataclass(frozen=True)
class Unreachable:
    """Why an AWS endpoint could not be used, and what to change (settings named)."""

    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.problem}: {self.fix}"


_DNS_MARKERS = ("Name or service not known", "nodename nor servname", "Temporary failure in name resolution",
                "getaddrinfo failed", "No address associated with hostname", "Failed to resolve")
_PROXY_AUTH = "check proxy_username and proxy_password (the proxy refuses them)"


def explain_unreachable(error: BaseException) -> Unreachable | None:
    """What a failed call says about the way to AWS: connection refused, a name that does not
    resolve, a proxy that is down or refuses the credentials (407), TLS that fails, no answer
    in time, or an endpoint that answers something that is not AWS. None for anything else
    (an AWS error code, a missing permission: explain_client_error says those)."""
    from botocore import exceptions as bx

    if isinstance(error, bx.ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "407" or status == 407:
            return Unreachable("the proxy refused the request (HTTP 407 Proxy Authentication Required)", _PROXY_AUTH)
        if code.isdigit():  # an HTTP status where AWS always names an error code
            message = " ".join(str(error.response.get("Error", {}).get("Message", "")).split())[:80]
            return Unreachable(f"the endpoint answered HTTP {code}, which is not an AWS answer"
                               f"{f' ({message})' if message else ''}",
                               "check aws_endpoint_url (unset: AWS's own endpoint) and the proxy settings")
        return None
    reason = _reason(error)
    where = _where(error)
    if isinstance(error, bx.ProxyConnectionError):
        return explain_proxy_unreachable(str(error.kwargs.get("proxy_url", "")), reason)
    if isinstance(error, bx.SSLError):
        if "CERTIFICATE_VERIFY_FAILED" in reason:
            return Unreachable(f"the TLS certificate of {where} is not trusted ({reason})",
                               "if a proxy or firewall inspects TLS, set AWS_CA_BUNDLE to its CA certificate file; "
                               "else check aws_endpoint_url")
        return Unreachable(f"TLS with {where} failed ({reason})",
                           "check aws_endpoint_url: https:// only for an endpoint that speaks TLS")
    if isinstance(error, bx.ConnectTimeoutError):
        return Unreachable(f"no connection to {where} in time (connect timeout)",
                           "a firewall drops the traffic: allow HTTPS to AWS, or set proxy_address to your proxy")
    if isinstance(error, bx.ReadTimeoutError):
        return Unreachable(f"{where} took the request but did not answer in time (read timeout)",
                           "check aws_endpoint_url and the proxy: they must lead to the AWS API")
    if isinstance(error, bx.EndpointConnectionError):
        if any(marker in reason for marker in _DNS_MARKERS):
            return Unreachable(f"the host of {where} is not found (DNS)",
                               "check aws_region and aws_endpoint_url, and this machine's DNS; "
                               "behind a proxy set proxy_address")
        if "refused" in reason.lower():
            return Unreachable(f"nothing answers at {where} (connection refused)",
                               "check aws_endpoint_url (unset: AWS's own endpoint), or set proxy_address "
                               "if the network needs a proxy")
        return Unreachable(f"cannot connect to {where} ({reason})",
                           "check aws_endpoint_url, aws_region and the network (proxy_address)")
    if isinstance(error, bx.ResponseParserError):
        return Unreachable("the endpoint answered something that is not an AWS answer",
                           "check aws_endpoint_url (unset: AWS's own endpoint) and the proxy settings")
    if isinstance(error, bx.HTTPClientError | bx.ConnectionError):
        return Unreachable(f"the connection to {where} failed ({reason})",
                           "check aws_endpoint_url, the proxy settings and the network")
    return None


def explain_proxy_unreachable(proxy_url: str, reason: str | BaseException) -> Unreachable:
    """Why the proxy cannot be used (`reason`: botocore's, or the OSError of a plain connect)."""
    proxy = proxy_url or "the proxy"
    if isinstance(reason, BaseException):
        reason = "Connection refused" if isinstance(reason, ConnectionRefusedError) else (
            "timed out" if isinstance(reason, TimeoutError) else " ".join(str(reason).split()))
    if "407" in reason:
        return Unreachable(f"the proxy {proxy} refused the credentials (407 Proxy Authentication Required)",
                           _PROXY_AUTH)
    if any(marker in reason for marker in (*_DNS_MARKERS, "Errno -2", "Errno -3", "Errno -5")):
        return Unreachable(f"the proxy host of {proxy} is not found (DNS)", "check proxy_address")
    if "refused" in reason.lower():
        return Unreachable(f"nothing answers at the proxy {proxy} (connection refused)",
                           "check proxy_address and proxy_port, and that the proxy runs")
    if "timed out" in reason.lower():
        return Unreachable(f"the proxy {proxy} does not answer (timeout)",
                           "check proxy_address and proxy_port, and the firewall between here and the proxy")
    return Unreachable(f"the proxy {proxy} cannot be used ({reason})",
                       "check proxy_address, proxy_port, proxy_username and proxy_password")


def is_aws_answer(answer: object) -> bool:
    """Whether a successful call's answer came from AWS (or a stand-in that speaks like it):
    every AWS answer carries a request id; a web server or portal answering 200 does not."""
    metadata = answer.get("ResponseMetadata", {}) if isinstance(answer, dict) else {}
    return bool(metadata.get("RequestId"))


def _where(error: BaseException) -> str:
    """The endpoint (scheme://host:port) a botocore connection error names."""
    url = str(getattr(error, "kwargs", {}).get("endpoint_url") or "")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "the endpoint"


def _reason(error: BaseException) -> str:
    """The innermost reason of a botocore connection error, on one line and short."""
    cause = getattr(error, "kwargs", {}).get("error") or error
    text = " ".join(str(cause).split())
    for marker in ("[SSL:", "Failed to resolve", "Connection refused", "Tunnel connection failed"):
        if marker in text:
            text = text[text.index(marker):]
            break
    return text.strip("()\"' ")[:160]
