"""A JSON-passing loader, for measuring only: what PostgreSQL pays when the batch files' JSON lines
go in as they are and the columns are extracted in SQL (issue 16's catch-up target).

    python benchmarks/sql_loader.py 'host=… dbname=…' < tap.out

Reads Singer messages (SCHEMA, BATCH with jsonl files; STATE is ignored) and, for each batch
file, COPYs its lines into a temporary table (jsonb: each line parsed once, by PostgreSQL), then
one `INSERT … SELECT … ON CONFLICT (key) DO UPDATE` makes the rows (`jsonb_populate_record`;
the latest of a key within the file wins, as in the shipped upsert). Tables and column types as
target-postgres makes them (string → text, date-time → timestamp: the tap writes UTC, object
→ jsonb, array → jsonb[]) plus its `_sdc_received_at`. Not a Singer target: no schema changes, no
RECORD messages, no state emitted. benchmarks/loader_alone.py runs it beside target-postgres on
the same captured tap output and checks that every loader stored the same rows.
"""

from __future__ import annotations

import gzip
import json
import sys
from urllib.parse import unquote, urlparse

import psycopg
from psycopg import sql


def column_type(schema: dict) -> str:
    kinds = schema.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k != "null"]
    if "array" in kinds:  # target-postgres: an array of one item schema is jsonb[], else jsonb
        return "jsonb[]" if isinstance(schema.get("items"), dict) else "jsonb"
    if "object" in kinds:
        return "jsonb"
    if schema.get("format") == "date-time":
        return "timestamp"
    return {"integer": "bigint", "number": "numeric", "boolean": "boolean"}.get(kinds[0], "text")


class Stream:
    def __init__(self, connection: psycopg.Connection, schema_name: str, message: dict) -> None:
        self.table = sql.Identifier(schema_name, message["stream"])
        self.columns = {name: column_type(spec) for name, spec in message["schema"]["properties"].items()}
        self.key = message["key_properties"]
        # the latest copy of a key wins: Kinesis re-delivers, and sequence numbers grow in a shard
        latest = (sql.SQL(", r.sequence_number::numeric desc") if "sequence_number" in self.columns
                  else sql.SQL(""))
        names = [*self.columns, "_sdc_received_at"]
        definitions = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in self.columns.items())
        connection.execute(sql.SQL("create table if not exists {} ({}, _sdc_received_at timestamp, primary key ({}))")
                           .format(self.table, definitions, sql.SQL(", ").join(map(sql.Identifier, self.key))))
        # Each line is parsed once (jsonb, by COPY) and turned into a row of the table's type in
        # one call (jsonb_populate_record, lateral: once per line, not once per column).
        self.insert = sql.SQL(
            "insert into {table} ({names}) "
            "select distinct on ({keys}) {values}, now() at time zone 'UTC' "
            "from wfm_lines as l cross join lateral jsonb_populate_record(null::{table}, l.doc) as r "
            "order by {keys}{latest} "
            "on conflict ({keys_bare}) do update set {updates}").format(
            table=self.table, names=sql.SQL(", ").join(map(sql.Identifier, names)),
            keys=sql.SQL(", ").join(sql.SQL("r.{}").format(sql.Identifier(k)) for k in self.key),
            values=sql.SQL(", ").join(self.value(name, kind) for name, kind in self.columns.items()),
            latest=latest, keys_bare=sql.SQL(", ").join(map(sql.Identifier, self.key)),
            updates=sql.SQL(", ").join(sql.SQL("{0} = excluded.{0}").format(sql.Identifier(n))
                                       for n in names if n not in self.key))

    @staticmethod
    def value(name: str, kind: str) -> sql.Composable:
        if kind == "jsonb":  # JSON null stays the jsonb value null, as target-postgres stores it
            return sql.SQL("l.doc -> {}").format(sql.Literal(name))
        return sql.SQL("r.{}").format(sql.Identifier(name))

    def load(self, connection: psycopg.Connection, path: str) -> None:
        opener = gzip.open if path.endswith(".gz") else open
        with connection.transaction():
            with connection.cursor() as cursor, cursor.copy("copy wfm_lines (doc) from stdin") as copy, \
                    opener(path, "rb") as lines:
                for line in lines:  # one text value per line: COPY's text format escapes \ and control bytes
                    copy.write_row((line.rstrip(b"\n").decode(),))
            connection.execute(self.insert)


def main() -> None:
    dsn, schema_name = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "raw"
    streams: dict[str, Stream] = {}
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema_name)))
        connection.execute("create temporary table wfm_lines (doc jsonb) on commit delete rows")
        for line in sys.stdin:
            message = json.loads(line)
            if message["type"] == "SCHEMA":
                streams[message["stream"]] = Stream(connection, schema_name, message)
            elif message["type"] == "BATCH":
                for url in message["manifest"]:
                    streams[message["stream"]].load(connection, unquote(urlparse(url).path))


if __name__ == "__main__":
    main()
