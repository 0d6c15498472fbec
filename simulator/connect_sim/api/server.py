"""The simulated Amazon Connect REST endpoint: a threaded stdlib HTTP server.

    handle = start_server(world, host="127.0.0.1", port=0)
    client = boto3.client("connect", endpoint_url=handle.url, region_name="us-west-2", ...)
    handle.stop()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .api import ConnectApi, Observer
from .context import WorldView


class _ConnectHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: ConnectApi) -> None:
        super().__init__(address, _RequestHandler)
        self.api = api


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server: _ConnectHttpServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        response = self.server.api.handle(self.command, url.path, url.query, self.headers, body)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass  # a test run makes thousands of calls; the observer hook is the place to watch


@dataclass
class ServerHandle:
    url: str
    api: ConnectApi
    _server: _ConnectHttpServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_server(
    world: WorldView,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    caller_arn: str | None = None,
    wall: Callable[[], float] = time.monotonic,
    observer: Observer | None = None,
) -> ServerHandle:
    """Serve `world` on host:port (0: any free port) from a daemon thread; returns at once.

    caller_arn fixes the identity AccessDenied messages name (default: from the request's
    credentials); wall is the clock for throttle bursts and NextToken expiry; observer is
    called with (operation, status, document) after every answer.
    """
    api = ConnectApi(world, wall=wall, caller=caller_arn, observer=observer)
    server = _ConnectHttpServer((host, port), api)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="connect-sim-api", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return ServerHandle(f"http://{bound_host}:{bound_port}", api, server, thread)
