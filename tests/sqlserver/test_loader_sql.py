"""The loader's SQL without a server (docs/sqlserver.md): every statement the loader meltano.yml
configures (plugin target-mssql: target-mssql-wfm, target-mssql 0.2.1 corrected) would send for
every stream of both taps, captured from the real target fed the taps' own schemas
(`--discover`), the DDL compiled by SQLAlchemy's mssql dialect; each parses as T-SQL (sqlglot),
and the tables, keys, upserts, identifiers, column types and the values reaching the driver
are checked. target-mssql 0.2.1 itself failed five of these checks (date-times DATETIME, JSON
objects VARCHAR(MAX), a key of 1,028 bytes, BATCH rows undecoded, a key twice in a load):
docs/sqlserver.md lists them and how target-mssql-wfm corrects each."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import sqlglot
from sqlglot import exp
from wfm_loader_sql import RAW_SCHEMA, Statement, capture, singer_messages

# The contract's streams (docs/data-contract.md): a tap that adds one must be checked here too.
STREAMS = ["instances", "queues", "routing_profiles", "agent_statuses", "user_hierarchy_groups", "users",
           "queue_interval_metrics", "agent_interval_metrics", "agent_activity_metrics", "queue_current_metrics",
           "agent_events", "contact_records"]
MODES = ["batch", "record"]  # how tap-connect-kinesis sends its rows (message_format)

# Microsoft's list of T-SQL reserved keywords: the loader writes its MERGE with bare names.
TSQL_RESERVED = set(["ADD", "ALL", "ALTER", "AND", "ANY", "AS", "ASC", "AUTHORIZATION", "BACKUP", "BEGIN", "BETWEEN", "BREAK", "BROWSE", "BULK", "BY", "CASCADE", "CASE", "CHECK", "CHECKPOINT", "CLOSE", "CLUSTERED", "COALESCE", "COLLATE", "COLUMN", "COMMIT", "COMPUTE", "CONSTRAINT", "CONTAINS", "CONTAINSTABLE", "CONTINUE", "CONVERT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "CURSOR", "DATABASE", "DBCC", "DEALLOCATE", "DECLARE", "DEFAULT", "DELETE", "DENY", "DESC", "DISK", "DISTINCT", "DISTRIBUTED", "DOUBLE", "DROP", "DUMP", "ELSE", "END", "ERRLVL", "ESCAPE", "EXCEPT", "EXEC", "EXECUTE", "EXISTS", "EXIT", "EXTERNAL", "FETCH", "FILE", "FILLFACTOR", "FOR", "FOREIGN", "FREETEXT", "FREETEXTTABLE", "FROM", "FULL", "FUNCTION", "GOTO", "GRANT", "GROUP", "HAVING", "HOLDLOCK", "IDENTITY", "IDENTITY_INSERT", "IDENTITYCOL", "IF", "IN", "INDEX", "INNER", "INSERT", "INTERSECT", "INTO", "IS", "JOIN", "KEY", "KILL", "LEFT", "LIKE", "LINENO", "LOAD", "MERGE", "NATIONAL", "NOCHECK", "NONCLUSTERED", "NOT", "NULL", "NULLIF", "OF", "OFF", "OFFSETS", "ON", "OPEN", "OPENDATASOURCE", "OPENQUERY", "OPENROWSET", "OPENXML", "OPTION", "OR", "ORDER", "OUTER", "OVER", "PERCENT", "PIVOT", "PLAN", "PRECISION", "PRIMARY", "PRINT", "PROC", "PROCEDURE", "PUBLIC", "RAISERROR", "READ", "READTEXT", "RECONFIGURE", "REFERENCES", "REPLICATION", "RESTORE", "RESTRICT", "RETURN", "REVERT", "REVOKE", "RIGHT", "ROLLBACK", "ROWCOUNT", "ROWGUIDCOL", "RULE", "SAVE", "SCHEMA", "SECURITYAUDIT", "SELECT", "SEMANTICKEYPHRASETABLE", "SEMANTICSIMILARITYDETAILSTABLE", "SEMANTICSIMILARITYTABLE", "SESSION_USER", "SET", "SETUSER", "SHUTDOWN", "SOME", "STATISTICS", "SYSTEM_USER", "TABLE", "TABLESAMPLE", "TEXTSIZE", "THEN", "TO", "TOP", "TRAN", "TRANSACTION", "TRIGGER", "TRUNCATE", "TRY_CONVERT", "TSEQUAL", "UNION", "UNIQUE", "UNPIVOT", "UPDATE", "UPDATETEXT", "USE", "USER", "VALUES", "VARYING", "VIEW", "WAITFOR", "WHEN", "WHERE", "WHILE", "WITH", "WITHIN", "WRITETEXT"])
MAX_IDENTIFIER = 128     # sysname
MAX_TEMP_TABLE = 116     # a #temp table's name: SQL Server appends a suffix to 128
MAX_CLUSTERED_KEY_BYTES = 900
# Connect's ids as the key columns must hold them: InstanceId up to 100 characters, ContactId
# up to 256 (AWS's API reference; target-mssql-wfm/target_mssql_wfm/connector.py)
MIN_KEY_TEXT, MAX_KEY_TEXT = 100, 256


def _kinds(prop: dict) -> list[str]:
    kind = prop.get("type", [])
    return kind if isinstance(kind, list) else [kind]


def is_json(prop: dict) -> bool:
    return bool({"object", "array"} & set(_kinds(prop)))


def is_time(prop: dict) -> bool:
    return prop.get("format") == "date-time"


def parse_tsql(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)


def statements_for(statements: list[Statement], table: str, run: int | None = None) -> list[Statement]:
    """The statements naming `table` (or its #temp table) as a whole word."""
    pattern = re.compile(rf"\b{RAW_SCHEMA}\.#?{re.escape(table)}\b")
    return [s for s in statements if pattern.search(s.sql) and (run is None or s.run == run)]


def create_table(statements: list[Statement], table: str) -> exp.Create:
    creates = [s for s in statements_for(statements, table, run=1) if s.sql.upper().startswith("CREATE TABLE")]
    assert len(creates) == 1, [s.sql for s in creates]
    return parse_tsql(creates[0].sql)


def tables(tree: exp.Expression) -> list[str]:
    """schema.table of each table a statement names, #temp ones with their # (sqlglot keeps it
    as a flag)."""
    return [f"{t.db}.{'#' if t.this.args.get('temporary') else ''}{t.name}" for t in tree.find_all(exp.Table)]


def column_types(create: exp.Create) -> dict[str, str]:
    return {c.name: c.args["kind"].sql("tsql").upper() for c in create.find_all(exp.ColumnDef)}


def primary_key(create: exp.Create) -> list[str]:
    keys = list(create.find_all(exp.PrimaryKey))
    return [e.name for e in keys[0].expressions] if keys else []


def test_both_taps_discover_the_contract_streams(tap_streams):
    assert sorted(tap_streams) == sorted(STREAMS)


@pytest.mark.parametrize("mode", MODES)
def test_the_loader_runs_twice_without_error(loader_sql, mode):
    """Run 1 creates the tables, run 2 finds them (types as SQL Server reports them) and only
    loads: no ALTER TABLE (a type the loader cannot round-trip), no error."""
    statements, errors = loader_sql[mode]
    assert not errors
    second = [s.sql for s in statements if s.run == 2 and re.match(r"(CREATE|ALTER)\b", s.sql, re.I)]
    assert not second, second


@pytest.mark.parametrize("mode", MODES)
def test_every_statement_parses_as_tsql(loader_sql, mode):
    statements, _ = loader_sql[mode]
    problems = []
    for statement in statements:
        try:
            parse_tsql(statement.sql)
        except sqlglot.errors.ParseError as error:
            problems.append(f"{statement.sql[:200]}: {error}")
    assert not problems, "\n".join(problems)
    kinds = {type(parse_tsql(s.sql)).__name__ for s in statements}
    assert {"Create", "Drop", "Select", "Insert", "Merge"} <= kinds, kinds


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("stream", STREAMS)
def test_each_stream_gets_its_table_and_an_upsert_on_its_key(loader_sql, tap_streams, stream, mode):
    """CREATE TABLE raw.<stream> with exactly the schema's properties and the stream's key as
    PRIMARY KEY (NOT NULL), then per load: a #temp copy, the rows inserted into it with every
    column, and a MERGE joining on every key column, updating every other and inserting all."""
    statements, _ = loader_sql[mode]
    declared = tap_streams[stream]
    create = create_table(statements, stream)
    table = create.find(exp.Table)
    assert table.name == stream and table.db == RAW_SCHEMA
    columns = column_types(create)
    assert list(columns) == list(declared.properties)
    assert primary_key(create) == declared.key_properties and declared.key_properties
    for key in declared.key_properties:
        column = next(c for c in create.find_all(exp.ColumnDef) if c.name == key)
        assert "NOT NULL" in column.sql("tsql").upper(), column.sql("tsql")

    for run in (1, 2):
        flow = [parse_tsql(s.sql) for s in statements_for(statements, stream, run)
                if not s.sql.upper().startswith("CREATE")]
        assert [type(t).__name__ for t in flow] == ["Drop", "Select", "Insert", "Merge"], [t.sql() for t in flow]
        drop, copy, insert, merge = flow
        temp, table = f"{RAW_SCHEMA}.#{stream}", f"{RAW_SCHEMA}.{stream}"
        assert tables(drop) == [temp] and tables(copy) == [temp, table] and tables(insert) == [temp]
        assert tables(merge) == [table, temp]
        assert [c.name for c in insert.this.expressions] == list(declared.properties)
        on = {(e.left.table, e.left.name, e.right.table, e.right.name) for e in merge.args["on"].find_all(exp.EQ)}
        assert on == {("temp", k, "target", k) for k in declared.key_properties}
        whens = merge.args["whens"].expressions
        updated = {e.this.name for e in whens[0].args["then"].expressions}
        assert updated == set(declared.properties) - set(declared.key_properties)
        inserted = [c.name for c in whens[1].args["then"].this.expressions]
        assert inserted == list(declared.properties)


@pytest.mark.parametrize("mode", MODES)
def test_identifiers_fit_and_need_no_quoting(loader_sql, tap_streams, mode):
    """Every table, #temp table and column name within SQL Server's lengths, and none a
    reserved keyword (the loader's MERGE does not quote names)."""
    statements, _ = loader_sql[mode]
    problems = []
    for stream in STREAMS:
        if len(stream) > MAX_IDENTIFIER or len(f"#{stream}") > MAX_TEMP_TABLE:
            problems.append(f"table name too long: {stream}")
        for column in column_types(create_table(statements, stream)):
            if len(column) > MAX_IDENTIFIER:
                problems.append(f"{stream}.{column}: {len(column)} characters")
            if column.upper() in TSQL_RESERVED:
                problems.append(f"{stream}.{column}: a T-SQL reserved keyword, unquoted in the MERGE")
    assert not problems, problems


def test_the_types_the_loader_declares(loader_sql, tap_streams):
    """What target-mssql-wfm makes of each JSON schema type (docs/sqlserver.md, Column types):
    key text NVARCHAR(n), 100 <= n <= 256 (the key within 900 bytes: test below), text
    NVARCHAR(MAX), JSON objects and arrays NVARCHAR(MAX), date-times DATETIMEOFFSET(6),
    integers BIGINT, numbers NUMERIC(38, 16), booleans VARCHAR(1) (0.2.1's: keys VARCHAR(255),
    text and objects VARCHAR(MAX), date-times DATETIME)."""
    statements, _ = loader_sql["batch"]
    for stream in STREAMS:
        declared = tap_streams[stream]
        for column, sql_type in column_types(create_table(statements, stream)).items():
            prop = declared.properties[column]
            kinds = set(_kinds(prop))
            if column in declared.key_properties and "string" in kinds and not is_time(prop):
                length = re.fullmatch(r"NVARCHAR\((\d+)\)", sql_type)
                assert length and MIN_KEY_TEXT <= int(length.group(1)) <= MAX_KEY_TEXT, \
                    f"{stream}.{column} ({prop}): {sql_type}, expected NVARCHAR({MIN_KEY_TEXT}..{MAX_KEY_TEXT})"
                continue
            if "object" in kinds or "array" in kinds:
                want = "NVARCHAR(MAX)"
            elif is_time(prop):
                want = "DATETIMEOFFSET(6)"
            elif "string" in kinds:
                want = "NVARCHAR(MAX)"
            elif "integer" in kinds:
                want = "BIGINT"
            elif "number" in kinds:
                want = "NUMERIC(38, 16)"
            elif "boolean" in kinds:
                want = "VARCHAR(1)"
            else:
                want = "?"
            assert sql_type == want, f"{stream}.{column} ({prop}): {sql_type}, expected {want}"


STREAMS_WITH_OBJECTS = ["queue_interval_metrics", "agent_events", "contact_records"]


@pytest.mark.parametrize("stream", STREAMS_WITH_OBJECTS)
def test_json_columns_are_nvarchar_max(loader_sql, tap_streams, stream):
    """target-mssql 0.2.1 declared JSON objects VARCHAR(MAX) (arrays NVARCHAR(MAX)): non-ASCII
    text in them was lost outside a UTF-8 collation."""
    declared = tap_streams[stream]
    types = column_types(create_table(loader_sql["batch"][0], stream))
    wrong = {c: t for c, t in types.items() if is_json(declared.properties[c]) and t != "NVARCHAR(MAX)"}
    assert not wrong


def test_arrays_are_nvarchar_max(loader_sql, tap_streams):
    """The JSON columns that are right: arrays (contacts, hierarchy_path, security_profile_ids)."""
    for stream in STREAMS:
        declared = tap_streams[stream]
        for column, sql_type in column_types(create_table(loader_sql["batch"][0], stream)).items():
            if "array" in _kinds(declared.properties[column]):
                assert sql_type == "NVARCHAR(MAX)", f"{stream}.{column}"


@pytest.mark.parametrize("stream", STREAMS)
def test_times_are_datetime2_or_datetimeoffset(loader_sql, tap_streams, stream):
    """target-mssql 0.2.1 declared every date-time DATETIME: 1/300 s steps (…00.049 stored
    …00.050), years from 1753, no offset."""
    declared = tap_streams[stream]
    types = column_types(create_table(loader_sql["batch"][0], stream))
    wrong = {c: t for c, t in types.items()
             if is_time(declared.properties[c]) and not re.match(r"DATETIME(2|OFFSET)\b", t)}
    assert not wrong


def _key_bytes(sql_type: str) -> int:
    varchar = re.match(r"N?VARCHAR\((\d+)\)", sql_type)
    if varchar:
        return int(varchar.group(1)) * (2 if sql_type.startswith("N") else 1)
    # DATETIME2(p) / DATETIMEOFFSET(p): 6, 7 or 8 bytes for p 0-2, 3-4, 5-7 (7 by default),
    # DATETIMEOFFSET 2 more
    moment = re.fullmatch(r"DATETIME(2|OFFSET)(?:\((\d)\))?", sql_type)
    if moment:
        precision = int(moment.group(2) or 7)
        return (6 if precision <= 2 else 7 if precision <= 4 else 8) + (2 if moment.group(1) == "OFFSET" else 0)
    return {"DATETIME": 8, "BIGINT": 8}[sql_type]


@pytest.mark.parametrize("stream", STREAMS)
def test_primary_key_fits_a_clustered_index(loader_sql, tap_streams, stream):
    """SQL Server's PRIMARY KEY is a clustered index by default: 900 bytes of key at most.
    target-mssql 0.2.1 gave agent_interval_metrics 4 VARCHAR(255) key columns + DATETIME:
    1,028 bytes (a warning at CREATE; an insert of ids longer than 900 bytes together failed)."""
    create = create_table(loader_sql["batch"][0], stream)
    types = column_types(create)
    assert sum(_key_bytes(types[k]) for k in primary_key(create)) <= MAX_CLUSTERED_KEY_BYTES


@pytest.mark.parametrize("mode", MODES)
def test_values_reach_the_driver_as_text_and_datetimes(loader_sql, tap_streams, mode):
    """The row values handed to the driver: JSON columns as JSON text (pymssql cannot send a
    dict or list), date-times as datetime (in UTC: the contract's), nothing else but text,
    numbers and booleans. target-mssql 0.2.1 (singer-sdk 0.13) handed a BATCH file's rows to
    the driver as read: JSON objects and arrays as dict and list, which pymssql refuses
    ('Unsupported parameter type'), date-times as text."""
    statements, _ = loader_sql[mode]
    problems = []
    for stream in STREAMS:
        declared = tap_streams[stream]
        inserts = [s for s in statements_for(statements, stream, run=1) if s.sql.upper().startswith("INSERT")]
        assert inserts and inserts[0].params and inserts[0].rows >= 2, stream
        for column, python_type in inserts[0].params[0].items():
            prop = declared.properties[column]
            allowed = {"str"} if is_json(prop) else {"datetime"} if is_time(prop) else \
                {"str", "int", "float", "bool", "Decimal"}
            if python_type not in allowed | {"NoneType"}:
                problems.append(f"{stream}.{column}: {python_type}")
    assert not problems, problems


@pytest.mark.parametrize("mode", MODES)
def test_a_key_twice_in_one_load_is_merged_once(loader_python, tap_streams, tmp_path, mode):
    """One agent event twice in one load (Kinesis re-delivers: at-least-once), in RECORD
    messages or in one BATCH file. target-mssql 0.2.1 MERGEd its #temp table as loaded, which
    fails: error 2627 (duplicate key) for a new key, 8672 (MERGE updating a row twice) for one
    already loaded."""
    statements, errors = capture(loader_python, singer_messages(tap_streams, tmp_path, mode, duplicate_key=True),
                                 tmp_path / "capture")
    assert not errors
    flow = statements_for(statements, "agent_events", run=1)
    insert = next(s for s in flow if s.sql.upper().startswith("INSERT"))
    merge = next(s for s in flow if s.sql.upper().startswith("MERGE"))
    # the rows reach the #temp table as they came; either the insert or the MERGE's source must drop the repeat
    deduplicated = re.search(r"\b(row_number|distinct)\b", merge.sql, re.I)
    assert insert.rows == 12 or deduplicated, f"{insert.rows} rows, one event twice, MERGE source not deduplicated"


def test_the_last_row_of_a_key_wins(loader_python):
    """The row kept of a key repeated in one load is its last (Singer's upsert: a later record
    replaces an earlier one), in the loader's own code and Python."""
    code = """
import json, logging, types
from target_mssql_wfm.sinks import MssqlWfmSink
sink = types.SimpleNamespace(key_properties=["k1", "k2"], stream_name="s", logger=logging.getLogger("s"),
                             tally_duplicate_merged=lambda n: None)
rows = [{"k1": "a", "k2": 1, "v": 1}, {"k1": "b", "k2": 1, "v": 2}, {"k1": "a", "k2": 1, "v": 3},
        {"k1": "a", "k2": 2, "v": 4}, {"k1": "b", "k2": 1, "v": 5}]
print(json.dumps(MssqlWfmSink._last_per_key(sink, rows)))
"""
    result = subprocess.run([str(loader_python), "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout) == [{"k1": "a", "k2": 1, "v": 3}, {"k1": "a", "k2": 2, "v": 4},
                                         {"k1": "b", "k2": 1, "v": 5}]
