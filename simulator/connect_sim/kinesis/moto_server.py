"""A local Kinesis (plus STS and IAM, served by the same moto server) for tests and the demo.

    with MotoServer() as server:                      # 127.0.0.1, a free port
        create_stream(server.endpoint_url, "agent-events", shards=2)
        kinesis = server.client("kinesis")

    server = MotoServer().start(); ...; server.stop()  # the same, for a CLI's lifetime

    python -m connect_sim.kinesis.moto_server --stream agent-events --shards 2

moto keeps its state per process: every server started in one process shares the same
streams, so tests use distinct stream names.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_REGION = "us-west-2"
# moto accepts any credentials; these keep boto3 away from the caller's real ones.
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def moto_client(endpoint_url: str, service: str = "kinesis", region: str = DEFAULT_REGION) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(retries={"mode": "standard"}),
        **FAKE_CREDENTIALS,
    )


class MotoServer:
    """moto's ThreadedMotoServer on `host`; port 0 lets the OS pick a free one."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str = DEFAULT_REGION) -> None:
        self._host = host
        self._port = port
        self.region = region
        self._server: Any = None

    def start(self) -> MotoServer:
        # Imported here: moto is an optional dependency (the kinesis-server extra).
        from moto.server import ThreadedMotoServer

        if self._server is not None:
            raise RuntimeError("the moto server is already running")
        # werkzeug logs every request to stderr; thousands of PutRecords calls drown the output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the moto server is not running")
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def client(self, service: str = "kinesis") -> Any:
        return moto_client(self.endpoint_url, service, self.region)

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def create_stream(
    endpoint_url: str,
    name: str,
    shards: int = 1,
    region: str = DEFAULT_REGION,
    timeout_s: float = 30.0,
) -> str:
    """Create a provisioned stream and wait until it is ACTIVE; returns its ARN."""
    kinesis = moto_client(endpoint_url, "kinesis", region)
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    deadline = time.monotonic() + timeout_s
    while True:
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if summary["StreamStatus"] == "ACTIVE":
            return summary["StreamARN"]
        if time.monotonic() > deadline:
            raise TimeoutError(f"stream {name!r} is still {summary['StreamStatus']}")
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a local moto Kinesis/STS/IAM server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--stream", help="create this stream once the server is up")
    parser.add_argument("--shards", type=int, default=1)
    args = parser.parse_args(argv)

    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with MotoServer(args.host, args.port, args.region) as server:
        if args.stream:
            create_stream(server.endpoint_url, args.stream, args.shards, args.region)
        print(server.endpoint_url, flush=True)
        stopped.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
