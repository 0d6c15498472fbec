"""The column types of the WFM raw tables on SQL Server (docs/sqlserver.md, "The loader").

target-mssql 0.2.1's connector, with its types corrected; its DDL, temp tables and the rest
are kept as they are.
"""

from __future__ import annotations

import sqlalchemy
from singer_sdk.helpers._typing import get_datelike_property_type
from sqlalchemy.dialects import mssql
from target_mssql.connector import mssqlConnector

# SQL Server's PRIMARY KEY is a clustered index by default, and a clustered index key holds
# at most 900 bytes.
MAX_CLUSTERED_KEY_BYTES = 900
# The longest text a key column is declared for. The keys are Amazon Connect identifiers:
# InstanceId is "Maximum length of 100"
# (https://docs.aws.amazon.com/connect/latest/APIReference/API_Instance.html), ContactId
# "Maximum length of 256" (https://docs.aws.amazon.com/connect/latest/APIReference/API_DescribeContact.html,
# the longest id Connect documents); QueueId, UserId, RoutingProfileId, AgentStatusId and the
# hierarchy group id have no documented limit and are UUIDs (36 characters,
# https://docs.aws.amazon.com/connect/latest/APIReference/API_Queue.html); the agent event's
# EventId is a UUID too; channel is VOICE, CHAT, TASK or EMAIL.
MAX_KEY_TEXT = 256
# The shortest a text key column may be declared (InstanceId's 100): a table whose key would
# leave less is refused at CREATE rather than failing on a longer id later.
MIN_KEY_TEXT = 100
# DATETIMEOFFSET(6): microseconds (what the taps' ISO 8601 times can carry), the offset kept;
# 10 bytes (precision 5 to 7).
TIME_PRECISION = 6
FIXED_KEY_BYTES = {mssql.DATETIMEOFFSET: 10, mssql.DATETIME2: 8, sqlalchemy.types.BIGINT: 8,
                   sqlalchemy.types.DATE: 3, sqlalchemy.types.TIME: 5, sqlalchemy.types.NUMERIC: 17}
# Types the same column may be reported as when SQL Server is asked (SQLAlchemy's reflection
# drops DATETIMEOFFSET's precision, adds the collation to text): one family, no ALTER.
TYPE_FAMILIES = (sqlalchemy.types.String, sqlalchemy.types.DateTime, sqlalchemy.types.Date,
                 sqlalchemy.types.Time, sqlalchemy.types.Integer, sqlalchemy.types.Numeric)


def _types(jsonschema_type: dict) -> set[str]:
    kinds = jsonschema_type.get("type", [])
    kinds = set(kinds) if isinstance(kinds, (list, tuple)) else {kinds}
    for option in jsonschema_type.get("anyOf", ()):
        kinds |= _types(option) if isinstance(option, dict) else {option}
    return kinds


def key_text_length(schema: dict, primary_keys: list[str], to_sql_type) -> int:
    """The NVARCHAR length of a table's text key columns: as long as the key then fits 900
    bytes (2 bytes a character), at most MAX_KEY_TEXT; a ValueError below MIN_KEY_TEXT."""
    fixed, text = 0, 0
    for key in primary_keys:
        sql_type = to_sql_type(schema["properties"][key])
        if isinstance(sql_type, sqlalchemy.types.String):
            text += 1
        else:
            fixed += next((size for kind, size in FIXED_KEY_BYTES.items() if isinstance(sql_type, kind)), 17)
    if not text:
        return MAX_KEY_TEXT
    length = min(MAX_KEY_TEXT, (MAX_CLUSTERED_KEY_BYTES - fixed) // (2 * text))
    if length < MIN_KEY_TEXT:
        raise ValueError(f"key {primary_keys}: {text} text columns leave {length} characters each within "
                         f"SQL Server's {MAX_CLUSTERED_KEY_BYTES}-byte clustered key, fewer than {MIN_KEY_TEXT}")
    return length


def same_family(current: sqlalchemy.types.TypeEngine, wanted: sqlalchemy.types.TypeEngine) -> bool:
    return any(isinstance(current, family) and isinstance(wanted, family) for family in TYPE_FAMILIES)


class MssqlWfmConnector(mssqlConnector):
    """target-mssql 0.2.1's connector with these types (0.2.1's in brackets):

    - date-time: DATETIMEOFFSET(6) (DATETIME: 1/300 s steps, no offset, years from 1753);
    - JSON objects and arrays: NVARCHAR(MAX) (objects VARCHAR(MAX): non-ASCII lost outside a
      UTF-8 collation), sent as JSON text;
    - text: NVARCHAR(MAX), or NVARCHAR(maxLength) up to 4,000 (VARCHAR(MAX));
    - key text: NVARCHAR(n), n as long as the whole key fits 900 bytes, at most 256
      (VARCHAR(255) each: agent_interval_metrics' key was 1,028 bytes);
    - integers BIGINT, numbers NUMERIC(38, 16) (or FLOAT), booleans VARCHAR(1), date DATE,
      time TIME: unchanged.

    A later run compares the types it finds by family (text, date-time, integer, number, …): SQL Server reports them without DATETIMEOFFSET's precision and with the collation, and
    nothing is altered for that. A table 0.2.1 created keeps its types (recreate it to get these).
    """

    def to_sql_type(self, jsonschema_type: dict) -> sqlalchemy.types.TypeEngine:
        kinds = _types(jsonschema_type)
        if kinds & {"object", "array"}:
            return mssql.NVARCHAR()  # NVARCHAR(max)
        if "string" in kinds:
            datelike = get_datelike_property_type(jsonschema_type)
            if datelike == "date-time":
                return mssql.DATETIMEOFFSET(precision=TIME_PRECISION)
            if datelike:
                return super().to_sql_type(jsonschema_type)  # DATE, TIME
            max_length = jsonschema_type.get("maxLength")
            return mssql.NVARCHAR(max_length if max_length and max_length <= 4000 else None)
        return super().to_sql_type(jsonschema_type)

    def create_empty_table(self, full_table_name: str, schema: dict, primary_keys: list[str] | None = None,
                           partition_keys: list[str] | None = None, as_temp_table: bool = False) -> None:
        """0.2.1's CREATE TABLE, its key text columns sized to fit the clustered key."""
        if as_temp_table:
            raise NotImplementedError("Temporary tables are not supported.")
        primary_keys = primary_keys or []
        try:
            properties: dict = schema["properties"]
        except KeyError:
            raise RuntimeError(f"Schema for '{full_table_name}' does not define properties: {schema}") from None
        key_length = key_text_length(schema, primary_keys, self.to_sql_type)
        _, schema_name, table_name = self.parse_full_table_name(full_table_name)
        columns = []
        for name, property_schema in properties.items():
            sql_type = self.to_sql_type(property_schema)
            if name in primary_keys:
                if isinstance(sql_type, sqlalchemy.types.String):
                    sql_type = mssql.NVARCHAR(key_length)
                columns.append(sqlalchemy.Column(name, sql_type, primary_key=True, autoincrement=False))
            else:
                columns.append(sqlalchemy.Column(name, sql_type, primary_key=False))
        meta = sqlalchemy.MetaData()
        sqlalchemy.Table(table_name, meta, *columns, schema=schema_name)
        meta.create_all(self._engine)

    def _adapt_column_type(self, full_table_name: str, column_name: str,
                           sql_type: sqlalchemy.types.TypeEngine) -> None:
        """Nothing to alter when the column is of the wanted type's family (a key column is
        NVARCHAR(n) where a text column would be NVARCHAR(MAX): never widened, it is part of
        the PRIMARY KEY); 0.2.1's ALTER for a different kind."""
        if same_family(self._get_column_type(full_table_name, column_name), sql_type):
            return
        super()._adapt_column_type(full_table_name, column_name, sql_type)
