"""The raw Singer streams of a simulated contact centre, written straight to the warehouse.

The dbt tests build the raw layer themselves (fast, and with late, duplicated and re-read
rows placed exactly; tests/e2e runs the real taps and target): one table per stream, the
column names of
docs/data-contract.md (as the taps' schemas spell them), agent events
flattened from the JSON documents Connect writes. Postgres gets timestamptz and jsonb
columns (as target-postgres creates them); DuckDB gets ISO-8601 strings and JSON text, the
other form the contract allows. Every table carries one extra column, as a tap that grows
a field would, to prove staging ignores what it does not use.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connect_sim import truth
from connect_sim.config import WorldConfig
from connect_sim.kinesis.event_json import AgentEventEncoder
from connect_sim.world import World

MS = 1000
DAY_MS = 86_400_000
THRESHOLD_S = 20


def ts(t_ms: int | None) -> str | None:
    if t_ms is None:
        return None
    return datetime.fromtimestamp(t_ms / MS, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def arn_id(arn: str | None) -> str | None:
    return None if arn is None else arn.rsplit("/", 1)[-1]


# column name → type (postgres type; DuckDB gets VARCHAR for timestamps and JSON)
SCHEMAS: dict[str, dict[str, str]] = {
    "instances": {"instance_id": "text", "instance_arn": "text", "instance_alias": "text",
                  "identity_management_type": "text", "instance_status": "text",
                  "created_time": "timestamptz", "inbound_calls_enabled": "boolean",
                  "outbound_calls_enabled": "boolean", "instance_access_url": "text"},
    "queues": {"instance_id": "text", "queue_id": "text", "queue_arn": "text", "queue_name": "text",
               "queue_type": "text", "last_modified_time": "timestamptz"},
    "routing_profiles": {"instance_id": "text", "routing_profile_id": "text",
                         "routing_profile_arn": "text", "routing_profile_name": "text",
                         "last_modified_time": "timestamptz"},
    "agent_statuses": {"instance_id": "text", "agent_status_id": "text", "agent_status_arn": "text",
                       "agent_status_name": "text", "agent_status_type": "text",
                       "last_modified_time": "timestamptz"},
    "user_hierarchy_groups": {"instance_id": "text", "hierarchy_group_id": "text",
                              "hierarchy_group_arn": "text", "hierarchy_group_name": "text",
                              "level_id": "text", "parent_group_id": "text",
                              "hierarchy_path": "jsonb", "last_modified_time": "timestamptz"},
    "users": {"instance_id": "text", "user_id": "text", "user_arn": "text", "username": "text",
              "first_name": "text", "last_name": "text", "email": "text",
              "routing_profile_id": "text", "hierarchy_group_id": "text",
              "last_modified_time": "timestamptz", "is_deleted": "boolean",
              "deleted_detected_at": "timestamptz"},
    "queue_interval_metrics": {
        "instance_id": "text", "queue_id": "text", "channel": "text",
        "interval_start": "timestamptz", "interval_end": "timestamptz", "interval_minutes": "bigint",
        "contacts_offered": "bigint", "contacts_queued": "bigint", "contacts_handled": "bigint",
        "contacts_handled_outbound": "bigint", "contacts_answered": "bigint", "contacts_abandoned": "bigint",
        "contacts_answered_in_threshold": "bigint", "service_level_threshold_seconds": "bigint",
        "handle_time_seconds": "double precision", "talk_time_seconds": "double precision",
        "hold_time_seconds": "double precision", "after_contact_work_seconds": "double precision",
        "queue_answer_time_seconds": "double precision", "abandon_time_seconds": "double precision",
        "contacts_transferred_out": "bigint", "contacts_put_on_hold": "bigint",
        "max_queued_seconds": "double precision", "api_version": "text", "collected_at": "timestamptz"},
    "queue_current_metrics": {"instance_id": "text", "queue_id": "text", "channel": "text",
                              "collected_at": "timestamptz", "contacts_in_queue": "bigint",
                              "oldest_contact_age_seconds": "double precision"},
    "agent_events": {
        "event_id": "text", "event_type": "text", "event_timestamp": "timestamptz",
        "aws_account_id": "text", "instance_arn": "text", "instance_id": "text", "agent_arn": "text",
        "agent_id": "text", "agent_status_arn": "text", "agent_status_name": "text",
        "agent_status_type": "text", "agent_status_start_timestamp": "timestamptz",
        "username": "text", "routing_profile_id": "text", "contacts": "jsonb",
        "current_snapshot": "jsonb", "previous_snapshot": "jsonb", "version": "text",
        "shard_id": "text", "sequence_number": "text", "approximate_arrival_timestamp": "timestamptz",
        "collected_at": "timestamptz"},
}
# Optional streams: written only by the tests that ask for them (the others leave the table
# out, as a pipeline that does not collect the stream does).
OPTIONAL_SCHEMAS: dict[str, dict[str, str]] = {
    "agent_activity_metrics": {
        "instance_id": "text", "agent_id": "text", "interval_start": "timestamptz",
        "interval_end": "timestamptz", "interval_minutes": "bigint",
        "online_seconds": "double precision", "idle_seconds": "double precision",
        "on_contact_seconds": "double precision", "non_productive_seconds": "double precision",
        "error_status_seconds": "double precision", "after_contact_work_seconds": "double precision",
        "agent_non_response": "bigint", "api_version": "text", "collected_at": "timestamptz"},
}
ALL_SCHEMAS = {**SCHEMAS, **OPTIONAL_SCHEMAS}
EXTRA_COLUMN = ("_tap_added_field", "text")


@dataclass
class SimulatedDay:
    """A simulated centre after `hours`, with its agent events and raw rows."""

    world: World
    events: list = field(default_factory=list)      # model.AgentEvent, in time order
    documents: list = field(default_factory=list)   # the JSON text of each

    @property
    def instance_id(self) -> str:
        return self.world.directory.instances[0].id

    @property
    def start_ms(self) -> int:
        return self.world.config.start_ms


def simulate(hours: float = 24, seed: int = 7, agents: int = 20, event_shape: str = "documented") -> SimulatedDay:
    """`event_shape`: "documented" writes only what AWS documents (no AgentStatus.Type),
    "full" what the simulator wrote before (Type included)."""
    world = World(WorldConfig(seed=seed, agents_per_instance=agents))
    day = SimulatedDay(world)
    world.add_event_sink(day.events.append)
    world.clock.advance(hours * 3600)
    world.sync()
    encoder = AgentEventEncoder(world.directory, shape=event_shape)
    day.documents = [encoder.encode_text(event) for event in day.events]
    return day


def event_row(document: str, sequence: int, arrival_ms: int, collected_ms: int | None = None) -> dict:
    """One agent_events row as the Kinesis tap writes it; collected (read by the tap)
    shortly after its arrival in the stream unless `collected_ms` says when."""
    doc = json.loads(document)
    snap = doc.get("CurrentAgentSnapshot") or {}
    status = snap.get("AgentStatus") or {}
    config = snap.get("Configuration") or {}
    profile = config.get("RoutingProfile") or {}
    agent_arn = doc["AgentARN"]
    return {
        "event_id": doc["EventId"], "event_type": doc["EventType"],
        "event_timestamp": doc["EventTimestamp"], "aws_account_id": doc.get("AWSAccountId"),
        "instance_arn": doc["InstanceARN"], "instance_id": doc["InstanceARN"].rsplit("/", 1)[-1],
        "agent_arn": agent_arn, "agent_id": arn_id(agent_arn),
        "agent_status_arn": status.get("ARN"), "agent_status_name": status.get("Name"),
        "agent_status_type": status.get("Type"), "agent_status_start_timestamp": status.get("StartTimestamp"),
        "username": config.get("Username"), "routing_profile_id": arn_id(profile.get("ARN")),
        # as the tap: [] when the event has no snapshot (or its snapshot no Contacts)
        "contacts": json.dumps(snap.get("Contacts", [])),
        "current_snapshot": json.dumps(doc["CurrentAgentSnapshot"]) if doc.get("CurrentAgentSnapshot") is not None else None,
        "previous_snapshot": json.dumps(doc["PreviousAgentSnapshot"]) if doc.get("PreviousAgentSnapshot") is not None else None,
        "version": doc.get("Version"), "shard_id": "shardId-000000000000",
        "sequence_number": str(49_000_000_000_000_000_000_000_000_000_000_000_000_000_000 + sequence),
        "approximate_arrival_timestamp": ts(arrival_ms),
        "collected_at": ts(collected_ms if collected_ms is not None else arrival_ms + 300),
    }


def agent_event_loads(day: SimulatedDay, split_ms: int | None = None, late_share: float = 0.03,
                      duplicate_share: float = 0.02, seed: int = 1) -> list[list[dict]]:
    """The agent_events rows in one load (split_ms None) or two: events before split_ms
    (minus a `late_share` held back), then the rest plus the late ones, plus duplicates
    (`duplicate_share` of events written twice, some within a load, some across)."""
    rng = random.Random(seed)
    first: list[dict] = []
    second: list[dict] = []
    for sequence, (event, document) in enumerate(zip(day.events, day.documents, strict=True), start=1):
        if split_ms is None or event.timestamp_ms < split_ms:
            late = split_ms is not None and rng.random() < late_share
            if late:
                # read late by the tap (a backlog): same record, loaded in the next batch
                second.append(event_row(document, sequence, event.timestamp_ms + 800, split_ms + 60_000))
            else:
                first.append(event_row(document, sequence, event.timestamp_ms + 800))
        else:
            second.append(event_row(document, sequence, event.timestamp_ms + 800))
        if rng.random() < duplicate_share:  # at-least-once: a producer retry, a new record later in the shard
            target = second if split_ms is not None and rng.random() < 0.5 else first
            if target is first and split_ms is not None and event.timestamp_ms >= split_ms:
                target = second
            arrival = (split_ms + 90_000) if target is second and split_ms and event.timestamp_ms < split_ms \
                else event.timestamp_ms + 2_500
            target.append(event_row(document, sequence + 20_000_000, arrival))
    return [first] if split_ms is None else [first, second]


def config_rows(day: SimulatedDay) -> dict[str, list[dict]]:
    world, now = day.world, day.world.now_ms
    d = world.directory
    rows: dict[str, list[dict]] = {name: [] for name in SCHEMAS}
    for i in d.instances:
        rows["instances"].append({"instance_id": i.id, "instance_arn": i.arn, "instance_alias": i.alias,
                                  "identity_management_type": "CONNECT_MANAGED", "instance_status": "ACTIVE",
                                  "created_time": ts(i.created_ms), "inbound_calls_enabled": True,
                                  "outbound_calls_enabled": True, "instance_access_url": None})
    for q in d.queues:
        rows["queues"].append({"instance_id": q.instance_id, "queue_id": q.id, "queue_arn": q.arn,
                               "queue_name": q.name, "queue_type": q.queue_type,
                               "last_modified_time": ts(q.last_modified_ms)})
    for p in d.routing_profiles:
        rows["routing_profiles"].append({"instance_id": p.instance_id, "routing_profile_id": p.id,
                                         "routing_profile_arn": p.arn, "routing_profile_name": p.name,
                                         "last_modified_time": ts(p.last_modified_ms)})
    for s in d.agent_statuses:
        rows["agent_statuses"].append({"instance_id": s.instance_id, "agent_status_id": s.id,
                                       "agent_status_arn": s.arn, "agent_status_name": s.name,
                                       "agent_status_type": s.status_type,
                                       "last_modified_time": ts(s.last_modified_ms)})
    for g in d.hierarchy_groups:
        rows["user_hierarchy_groups"].append({"instance_id": g.instance_id, "hierarchy_group_id": g.id,
                                              "hierarchy_group_arn": g.arn, "hierarchy_group_name": g.name,
                                              "level_id": g.level_id, "parent_group_id": g.parent_id,
                                              "hierarchy_path": "[]", "last_modified_time": ts(g.last_modified_ms)})
    for u in d.users:
        if u.created_ms > now:
            continue
        version = u.version_at(now)
        deleted = u.deleted_ms is not None and u.deleted_ms <= now
        rows["users"].append({"instance_id": u.instance_id, "user_id": u.id, "user_arn": u.arn,
                              "username": u.username, "first_name": version.first_name,
                              "last_name": version.last_name, "email": version.email,
                              "routing_profile_id": version.routing_profile_id,
                              "hierarchy_group_id": version.hierarchy_group_id,
                              "last_modified_time": ts(version.effective_ms), "is_deleted": deleted,
                              "deleted_detected_at": ts(u.deleted_ms) if deleted else None})
    return rows


def metric_rows(day: SimulatedDay, start_ms: int, end_ms: int) -> list[dict]:
    """queue_interval_metrics as the tap writes them (rows with figures only), each interval
    also collected once earlier with stale figures, as a trailing re-read leaves it."""
    rows = []
    for r in truth.interval_volume(day.world, day.instance_id, start_ms, end_ms,
                                   thresholds_s=(THRESHOLD_S,), dense=False):
        row = {"instance_id": r["instance_id"], "queue_id": r["queue_id"], "channel": r["channel"],
               "interval_start": r["interval_start"], "interval_end": r["interval_end"],
               "interval_minutes": 15, "contacts_offered": r["contacts_offered"],
               "contacts_queued": r["contacts_queued"], "contacts_handled": r["contacts_handled"],
               "contacts_handled_outbound": r["contacts_handled_outbound"],
               "contacts_answered": r["contacts_answered"], "contacts_abandoned": r["contacts_abandoned"],
               "contacts_answered_in_threshold": r[f"contacts_answered_in_{THRESHOLD_S}s"],
               "service_level_threshold_seconds": THRESHOLD_S,
               "handle_time_seconds": r["handle_time_seconds"], "talk_time_seconds": r["talk_time_seconds"],
               "hold_time_seconds": r["hold_time_seconds"],
               "after_contact_work_seconds": r["after_contact_work_seconds"],
               "queue_answer_time_seconds": r["queue_answer_time_seconds"],
               "abandon_time_seconds": r["abandon_time_seconds"],
               "contacts_transferred_out": r["contacts_transferred_out"],
               "contacts_put_on_hold": r["contacts_put_on_hold"],
               "max_queued_seconds": r["max_queued_seconds"], "api_version": "v2",
               "collected_at": ts(day.world.now_ms)}
        stale = dict(row, contacts_offered=row["contacts_offered"] + 7, contacts_handled=0,
                     collected_at=ts(day.world.now_ms - 3_600_000))
        rows += [stale, row]
    return rows


def agent_activity_rows(day: SimulatedDay, start_ms: int, end_ms: int) -> list[dict]:
    """agent_activity_metrics as the tap writes them (GetMetricDataV2 per agent, final figures,
    read at the world's now), each row also read once an hour earlier with other figures, as
    a trailing re-read leaves it."""
    rows = []
    for r in truth.agent_activity(day.world, day.instance_id, start_ms, end_ms):
        row = {**{k: r[k] for k in OPTIONAL_SCHEMAS["agent_activity_metrics"] if k in r},
               "interval_minutes": 15, "api_version": "v2", "collected_at": ts(day.world.now_ms)}
        stale = dict(row, online_seconds=row["online_seconds"] / 2, idle_seconds=0.0,
                     collected_at=ts(day.world.now_ms - 3_600_000))
        rows += [stale, row]
    return rows


def raw_tables(day: SimulatedDay, events: list[dict], start_ms: int, end_ms: int) -> dict[str, list[dict]]:
    rows = config_rows(day)
    rows["queue_interval_metrics"] = metric_rows(day, start_ms, end_ms)
    rows["agent_events"] = events
    return rows


# -- writers --------------------------------------------------------------------------------------
def _values(table: str, rows: list[dict]) -> list[tuple]:
    columns = list(ALL_SCHEMAS[table])
    return [(*tuple(row.get(c) for c in columns), "x") for row in rows]


def write_postgres(conn, tables: dict[str, list[dict]], schema: str = "raw", append: bool = False) -> None:
    with conn.cursor() as cur:
        cur.execute(f"create schema if not exists {schema}")
        for table, rows in tables.items():
            columns = ALL_SCHEMAS[table]
            if not append:
                cur.execute(f"drop table if exists {schema}.{table}")
                ddl = ", ".join(f'"{c}" {t}' for c, t in columns.items())
                cur.execute(f"create table {schema}.{table} ({ddl}, {EXTRA_COLUMN[0]} {EXTRA_COLUMN[1]})")
            names = ", ".join(f'"{c}"' for c in columns) + f", {EXTRA_COLUMN[0]}"
            marks = ", ".join(["%s"] * (len(columns) + 1))
            if rows:
                cur.executemany(f"insert into {schema}.{table} ({names}) values ({marks})", _values(table, rows))


def write_duckdb(path: str, tables: dict[str, list[dict]], schema: str = "raw", append: bool = False) -> None:
    import duckdb

    def duck_type(t: str) -> str:
        return {"text": "VARCHAR", "timestamptz": "VARCHAR", "jsonb": "VARCHAR", "boolean": "BOOLEAN",
                "bigint": "BIGINT", "double precision": "DOUBLE"}[t]

    con = duckdb.connect(path)
    try:
        con.execute(f"create schema if not exists {schema}")
        for table, rows in tables.items():
            columns = ALL_SCHEMAS[table]
            if not append:
                con.execute(f"drop table if exists {schema}.{table}")
                ddl = ", ".join(f'"{c}" {duck_type(t)}' for c, t in columns.items())
                con.execute(f"create table {schema}.{table} ({ddl}, {EXTRA_COLUMN[0]} VARCHAR)")
            if rows:
                marks = ", ".join(["?"] * (len(columns) + 1))
                con.executemany(f"insert into {schema}.{table} values ({marks})", _values(table, rows))
    finally:
        con.close()
