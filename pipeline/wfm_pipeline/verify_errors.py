"""verify-warehouse's bad-input error and the settings its messages point the operator to: one
owner for both, imported by verify_warehouse (settings checks) and verify_backends (reachability)."""

from __future__ import annotations


class VerifyError(RuntimeError):
    """Bad input: one line naming the setting and the fix."""


SETTING_HINTS = {
    "postgres": "WFM_PG_HOST, WFM_PG_PORT, WFM_PG_USER, WFM_PG_PASSWORD, WFM_PG_DBNAME",
    "duckdb": "WFM_DUCKDB_PATH (the DuckDB file of the warehouse)",
    "sqlserver": "WFM_MSSQL_HOST, WFM_MSSQL_PORT, WFM_MSSQL_USER, WFM_MSSQL_PASSWORD, WFM_MSSQL_DBNAME "
                 "(or TARGET_MSSQL_SQLALCHEMY_URL)",
}
