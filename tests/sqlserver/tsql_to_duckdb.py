"""T-SQL, as dbt compiles the models for SQL Server, made runnable in DuckDB (sqlglot,
read="tsql", write="duckdb"), for the semantics check without a server (docs/sqlserver.md).

sqlglot transpiles most of it; what it leaves as T-SQL is rewritten here, each rewrite keeping
the T-SQL meaning for the values this project's models give it (and refusing any other):

- `SWITCHOFFSET(x, '+00:00')`: x (DuckDB's TIMESTAMPTZ is an instant; the session is UTC, so
  its cast to TIMESTAMP is the UTC wall time, as T-SQL's cast of a +00:00 datetimeoffset)
- `ISJSON(x)`: 1 or 0 (NULL for NULL), DuckDB's json_valid
- `SYSUTCDATETIME()`: the UTC wall time as a timestamp without zone (DATETIME2), DuckDB's
  current_timestamp in the UTC session cast to TIMESTAMP
- `CROSS APPLY OPENJSON(x) AS c`: a lateral join on json_each(x), columns key and value
  (only object elements are read through it, with JSON_VALUE, whose text is the same)
- `a + b` where one side is text and the other text or a column: T-SQL's string
  concatenation, DuckDB's || (text + a number is an addition in T-SQL: refused)
- `CONVERT(type, x)`: CAST (sqlglot makes it TRY_CAST, which would hide a failing conversion);
  `CONVERT(varchar, HASHBYTES('md5', x), 2)`: the hex digits, DuckDB's md5(x) upper-cased
- `CAST(... AS BIT)`: BOOLEAN (DuckDB's BIT is a bit string)
- `FLOAT`: DOUBLE (T-SQL's FLOAT is FLOAT(53); sqlglot writes REAL, 4 bytes)

and the DuckDB session is set up as T-SQL behaves (SESSION): `/` of two integers is integer
division (DuckDB's integer_division; sqlglot cannot know the operands' types), and the time
zone is UTC.
- the database part of three-part names (the target's database is DuckDB's catalog here)
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

STRING_FUNCTIONS = (exp.Reverse, exp.Concat, exp.Repeat, exp.Right, exp.Left, exp.Substring, exp.Lower,
                    exp.Upper, exp.Trim, exp.DPipe)


SESSION = ["set TimeZone = 'UTC'", "set integer_division = true"]
DUCKDB_FUNCTIONS = {"json_each", "json_valid"}


class Untranslatable(ValueError):
    """A T-SQL construct this module does not know how to run in DuckDB."""


def _is_text(node: exp.Expression) -> bool:
    if isinstance(node, exp.Literal):
        return node.is_string
    if isinstance(node, exp.Cast):
        return node.to.is_type(*exp.DataType.TEXT_TYPES)
    if isinstance(node, exp.Paren):
        return _is_text(node.this)
    if isinstance(node, exp.Add):
        return _is_text(node.left) or _is_text(node.right)
    return isinstance(node, STRING_FUNCTIONS)


def _rewrite(node: exp.Expression, database: str | None) -> exp.Expression:
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name == "switchoffset":
            value, offset = node.expressions
            if not (isinstance(offset, exp.Literal) and offset.this == "+00:00"):
                raise Untranslatable(f"SWITCHOFFSET to {offset.sql()}")
            return value
        if name == "sysutcdatetime" and not node.expressions:
            return exp.cast(exp.CurrentTimestamp(), exp.DataType.build("TIMESTAMP"))
        if name == "isjson":
            (value,) = node.expressions
            return exp.cast(exp.func("json_valid", value), exp.DataType.build("INT"))
        if name in DUCKDB_FUNCTIONS:  # written by a rewrite above
            return node
        raise Untranslatable(f"T-SQL function {node.name}")
    if isinstance(node, exp.Lateral) and isinstance(node.this, exp.OpenJSON):
        openjson = node.this
        if openjson.args.get("path") or openjson.expressions:
            raise Untranslatable("OPENJSON with a path or a WITH schema")
        each = sqlglot.select("key", "value").from_(
            exp.Table(this=exp.Anonymous(this="json_each", expressions=[openjson.this])))
        return exp.Lateral(this=exp.Subquery(this=each), alias=node.args.get("alias"))
    if isinstance(node, exp.Convert):
        style = node.args.get("style")
        if style is None:  # CONVERT(type, x) fails where it cannot convert, as CAST does
            return exp.Cast(this=node.expression, to=node.this)
        if style.name == "2" and isinstance(node.expression, exp.MD5):
            return exp.Upper(this=node.expression)  # varbinary → hex digits, no 0x (DuckDB's md5 is hex)
        raise Untranslatable(f"CONVERT style {style.sql()}")
    if isinstance(node, exp.Add) and (_is_text(node.left) or _is_text(node.right)):
        # text + text concatenates; text + a number adds (T-SQL converts the text to the number)
        if any(isinstance(side, (exp.Literal, exp.Binary)) and not _is_text(side) for side in (node.left, node.right)):
            raise Untranslatable(f"+ of text and a number: {node.sql('tsql')}")
        return exp.DPipe(this=node.left, expression=node.right, safe=True)
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.BIT:
        return exp.DataType.build("BOOLEAN")
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.FLOAT:
        bits = node.expressions[0].name if node.expressions else "53"
        return exp.DataType.build("DOUBLE" if int(bits) > 24 else "REAL")
    if isinstance(node, exp.Table) and database and node.catalog == database:
        node.set("catalog", None)
        return node
    return node


def _cross_apply_joins(tree: exp.Expression) -> None:
    """CROSS APPLY (sqlglot: a lateral flagged cross_apply) → CROSS JOIN LATERAL."""
    for join in tree.find_all(exp.Join):
        lateral = join.this
        if isinstance(lateral, exp.Lateral) and lateral.args.get("cross_apply"):
            join.set("kind", "CROSS")
            lateral.set("cross_apply", None)


def to_duckdb(tsql: str, database: str | None = None) -> str:
    """One compiled model (a single SELECT, CTEs allowed) as DuckDB SQL."""
    trees = [t for t in sqlglot.parse(tsql, read="tsql", error_level=sqlglot.ErrorLevel.RAISE) if t]
    if len(trees) != 1:
        raise Untranslatable(f"{len(trees)} statements")
    tree = trees[0]
    _cross_apply_joins(tree)
    for _ in range(2):  # a replaced node's own children are rewritten on the second pass
        tree = tree.transform(_rewrite, database)
    return tree.sql("duckdb")
