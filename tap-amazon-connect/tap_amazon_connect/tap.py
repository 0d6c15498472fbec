"""tap-amazon-connect: the configuration schema and the stream list."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import click
from singer_sdk import typing as th

from wfm_aws import AwsSettings
from wfm_aws.singer_config import aws_properties
from wfm_aws.tap_cli import WfmTap

from . import clock
from .client import ConnectClient
from .options import SETTINGS, Options
from .permissions import check_permissions
from .streams import STREAM_TYPES


class TapAmazonConnect(WfmTap):
    """Amazon Connect: configuration, users, historical and current queue metrics."""

    name = "tap-amazon-connect"
    retired_settings = frozenset({"max_requests_per_second"})  # Options names its replacement

    config_jsonschema = th.PropertiesList(
        *aws_properties("Connect"),
        *SETTINGS,
    ).to_dict()

    def check_run(self) -> None:
        now = clock.now()
        bookmarks = (self.state or {}).get("bookmarks", {}).get("queue_interval_metrics")
        if not bookmarks:  # a first run: start_date must be within the API's reach
            self.options.check_reach(now)
        warning = self.options.future_start_warning(now)
        if warning:
            self.logger.warning(warning)
        for note in self.options.notes():
            self.logger.info(note)

    @classmethod
    def check_settings(cls, config: Mapping[str, Any]) -> None:
        AwsSettings.from_config(config)
        Options.from_config(config)

    def check_before_sync(self) -> None:
        # Credentials (and the role) and the instances, before any stream: a missing
        # credential, a denied ListInstances or an instance of instance_ids that is not
        # ACTIVE is one line, not a stream failing. (Mid-run, a new instance's start_date out
        # of reach is one line too: WfmTap.sync_all.)
        self.connect.instances()

    @cached_property
    def options(self) -> Options:
        return Options.from_config(self.config)

    @cached_property
    def connect(self) -> ConnectClient:
        return ConnectClient(self.config)

    def discover_streams(self) -> list:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    # --test: every missing permission at once, then a one-record sync of each selected stream.
    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:
        if value == "schema" or value is None or value is False or value == "disabled":
            return super().cb_test(ctx, param, value)
        config = ctx.params.get("config")
        tap = cls(config=config.config if config else None,
                  parse_env_config=bool(config and config.parse_env), validate_config=True)
        selected = [name for name, stream in tap.streams.items() if stream.selected] or list(tap.streams)
        problems = check_permissions(tap.connect, tap.options, selected)
        if problems:
            for problem in problems:
                tap.logger.error("Permission check: %s", problem)
            tap.logger.error("%d problem(s); see the tap's README (IAM actions per stream)", len(problems))
            ctx.exit(1)
        tap.logger.info("Permission check passed for %s", ", ".join(selected))
        # Then the SDK's connection test (one record per stream), on the selected streams only:
        # the SDK's own would force the optional agent streams (not selected by default) in too.
        tap.run_sync_dry_run(dry_run_record_limit=1, streams=[tap.streams[name] for name in selected])
        ctx.exit()


if __name__ == "__main__":
    TapAmazonConnect.cli()
