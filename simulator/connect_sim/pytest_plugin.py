"""pytest fixtures for any test of this project (registered as a pytest11 plugin).

  simulated_centre   factory: a World on a FixedClock, optionally served over HTTP, with the
                     agent event shape its encoder writes ("documented" or "full")
  moto_kinesis       one local Kinesis/STS/IAM server per test session (moto)
  unique_name        a fresh name for a stream, schema or database
  postgres_database  a database of its own on 127.0.0.1:5432, dropped afterwards
  forward_proxy      factory: a local HTTP proxy, with Basic auth when given credentials
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from .clock import FixedClock
from .config import WorldConfig
from .faults import FaultPlan
from .kinesis.event_json import DEFAULT_EVENT_SHAPE, AgentEventEncoder
from .world import World


@dataclass
class SimulatedCentre:
    world: World
    url: str | None  # the Connect endpoint when served
    event_shape: str = DEFAULT_EVENT_SHAPE  # of the agent event documents (kinesis/event_json.py)

    @property
    def clock(self) -> FixedClock:
        return self.world.clock  # type: ignore[return-value]

    @property
    def instance(self):
        return self.world.directory.instances[0]

    def event_encoder(self) -> AgentEventEncoder:
        """An encoder of this world's agent events in `event_shape`, for a Kinesis or JSON-lines writer."""
        return AgentEventEncoder(self.world.directory, self.event_shape)


@pytest.fixture
def simulated_centre() -> Iterator[Callable[..., SimulatedCentre]]:
    """`simulated_centre(hours=6, serve=True, faults=FaultPlan(...), event_shape="documented",
    **WorldConfig fields)`."""
    from .api.server import start_server

    servers = []

    def make(hours: float = 0.0, serve: bool = True, faults: FaultPlan | None = None,
             event_shape: str = DEFAULT_EVENT_SHAPE, **config: object) -> SimulatedCentre:
        world = World(WorldConfig(**config), faults=faults)
        world.clock.advance(hours * 3600)
        world.sync()
        url = None
        if serve:
            server = start_server(world)
            servers.append(server)
            url = server.url
        return SimulatedCentre(world, url, event_shape)

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def moto_kinesis():
    """A moto server for Kinesis, STS and IAM; its state is shared, so use unique names."""
    from .kinesis.moto_server import MotoServer

    with MotoServer() as server:
        yield server


@pytest.fixture
def unique_name(request) -> Callable[[str], str]:
    def make(prefix: str = "t") -> str:
        return f"{prefix}_{uuid.uuid4().hex[:10]}"

    return make


@dataclass(frozen=True)
class PostgresDatabase:
    host: str
    port: int
    user: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    def connect(self):
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=self.database,
                               autocommit=True)


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[PostgresDatabase]:
    """A database of its own on the local PostgreSQL (WFM_TEST_PG_HOST/PORT/USER override),
    dropped afterwards."""
    import psycopg
    from psycopg import sql

    host = os.environ.get("WFM_TEST_PG_HOST", "127.0.0.1")
    port = int(os.environ.get("WFM_TEST_PG_PORT", "5432"))
    user = os.environ.get("WFM_TEST_PG_USER", "postgres")
    name = f"wfm_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield PostgresDatabase(host, port, user, name)
    finally:
        with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def postgres_database() -> Iterator[PostgresDatabase]:
    """A fresh database on the local PostgreSQL, dropped after the test."""
    with fresh_postgres_database() as database:
        yield database


@pytest.fixture
def forward_proxy(monkeypatch):
    """`forward_proxy(username=None, password=None)` → a started ForwardProxy (host, port, seen, refused)."""
    from .forward_proxy import ForwardProxy

    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    proxies = []

    def make(username: str | None = None, password: str | None = None) -> ForwardProxy:
        proxy = ForwardProxy(username, password).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()
