"""SQL Server (no server here): `dbt compile --target sqlserver` succeeds for both branches
of the incremental models, and every compiled model parses as T-SQL with sqlglot, uses
only functions T-SQL has, and none of the Postgres/DuckDB-isms the macros dispatch away."""

from __future__ import annotations

import ctypes.util
import re
from pathlib import Path

import pytest
from wfm_dbt import run_dbt

# Functions sqlglot does not model itself (exp.Anonymous) that T-SQL does have.
TSQL_EXTRA_FUNCTIONS = {"isjson", "switchoffset", "sysutcdatetime", "datediff_big", "datetrunc", "todatetimeoffset", "json_value",
                        "openjson", "replicate", "charindex", "reverse"}
# Not T-SQL: would mean a macro was not dispatched for sqlserver.
FORBIDDEN = [r"\btimestamptz\b", r"::", r"\blateral\b", r"\blpad\(", r"\bregexp_replace\(", r"\bjsonb", r"#>>",
             r"\bboolean\b", r"interval '", r"json_extract_string", r"\bepoch_ms\(", r"\bthen true\b"]


def _libodbc_missing() -> bool:
    return ctypes.util.find_library("odbc") is None


@pytest.mark.skipif(_libodbc_missing(), reason="dbt-sqlserver needs pyodbc, which needs libodbc.so.2 "
                                               "(Debian: apt-get install -y unixodbc)")
@pytest.mark.parametrize("incremental", [False, True], ids=["full-refresh", "incremental"])
def test_compiles_for_sqlserver_and_parses_as_tsql(tmp_path, incremental):
    import sqlglot
    from sqlglot import exp

    run_dbt(["compile", "--target", "sqlserver", "--no-populate-cache", "--no-introspect",
             "--vars", f"{{wfm_force_is_incremental: {str(incremental).lower()}}}"],
            tmp_path, {"WFM_DBT_TARGET": "sqlserver"})
    compiled = sorted((tmp_path / "target" / "compiled" / "connect_wfm" / "models").rglob("*.sql"))
    models = [p for p in compiled if p.parent.suffix != ".yml"]  # tests compile under <file>.yml/
    assert len(models) >= 20, [p.name for p in models]
    problems = []
    for path in models:
        sql = path.read_text()
        try:
            trees = sqlglot.parse(sql, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.ParseError as error:
            problems.append(f"{path.name}: does not parse as T-SQL: {error}")
            continue
        unknown = {a.name.lower() for tree in trees if tree for a in tree.find_all(exp.Anonymous)}
        if unknown - TSQL_EXTRA_FUNCTIONS:
            problems.append(f"{path.name}: functions T-SQL lacks: {sorted(unknown - TSQL_EXTRA_FUNCTIONS)}")
        for pattern in FORBIDDEN:
            if re.search(pattern, sql, re.IGNORECASE):
                problems.append(f"{path.name}: {pattern!r} is not T-SQL")
    assert not problems, "\n".join(problems)
    if incremental:
        text = (Path(tmp_path) / "target" / "compiled" / "connect_wfm" / "models" / "marts"
                / "wfm_agent_state_transaction.sql").read_text()
        assert "recompute_events" in text, "the incremental branch was not rendered"
