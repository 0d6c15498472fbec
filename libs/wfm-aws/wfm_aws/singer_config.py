"""The AWS settings both taps accept, as Singer SDK config properties (one definition)."""

from __future__ import annotations


def aws_properties(service: str) -> list:
    """`service` names what aws_endpoint_url overrides (e.g. "Connect", "Kinesis")."""
    from singer_sdk import typing as th

    def text(name: str, description: str, secret: bool = False, **extra) -> th.Property:
        return th.Property(name, th.StringType, secret=secret, description=description, **extra)

    return [
        text("aws_access_key_id", "Access key; with none of the aws_* credentials the default AWS chain is used "
                                  "(environment, profile, instance or task role, web identity)", secret=True),
        text("aws_secret_access_key", "Secret of aws_access_key_id", secret=True),
        text("aws_session_token", "Session token of temporary credentials", secret=True),
        text("aws_profile", "A profile of the AWS config files"),
        text("aws_assume_role_arn", "Role assumed on top of the base credentials, renewed before it expires"),
        text("aws_assume_role_external_id", "External id the role's trust requires", secret=True),
        text("aws_assume_role_session_name", "Session name of the assumed role", default="amazon-connect-wfm"),
        th.Property("aws_assume_role_duration_seconds", th.IntegerType, default=3600,
                    description="Assumed-role session length, 900-43200"),
        text("aws_region", '"us-west-2" or the .NET style "USWest2" of the integration spec', default="us-east-1"),
        text("aws_endpoint_url", f"Another {service} endpoint (a VPC endpoint, the simulator)"),
        text("aws_sts_endpoint_url", "Another STS endpoint for the role assumption"),
        th.Property("aws_max_attempts", th.IntegerType, default=10,
                    description="Attempts per call (botocore's standard retries: backoff with jitter)"),
        text("proxy_address", "HTTP(S) proxy for every AWS call, STS included (host or URL)"),
        th.Property("proxy_port", th.IntegerType, description="Proxy port"),
        text("proxy_username", "Proxy user (percent-encoded for you)"),
        text("proxy_password", "Proxy password (percent-encoded, never logged)", secret=True),
    ]
