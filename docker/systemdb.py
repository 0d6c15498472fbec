"""Meltano's system database (runs, state) in the warehouse, for the container entry point.

Prints the MELTANO_DATABASE_URI to use, and makes sure its schema exists:

- MELTANO_DATABASE_URI set: used as it is; a Postgres search_path in it
  (``?options=-csearch_path%3Dmeltano``) names the schema to create.
- otherwise, with WFM_PG_HOST set: built from WFM_PG_HOST/PORT/USER/PASSWORD/DBNAME, in the
  schema WFM_MELTANO_SCHEMA (default ``meltano``), with psycopg 3.
- otherwise: prints nothing (Meltano's default, a SQLite file in .meltano, which a read-only
  project cannot hold: the entry point says so).

Creating the schema is best effort: a user without CREATE on the database needs the schema
made once by an administrator. The password never appears in what this prints to stderr.

Any schema name works (a space, a quote, upper case): it is quoted as an identifier in the
search_path (PostgreSQL folds unquoted names to lower case), escaped for libpq's `options`,
and created with psycopg's own identifier quoting.
"""

from __future__ import annotations

import os
import re
import sys
from urllib.parse import parse_qs, quote, urlsplit


def build_uri(env: os._Environ[str] | dict[str, str]) -> str | None:
    uri = env.get("MELTANO_DATABASE_URI", "").strip()
    if uri:
        return uri
    host = env.get("WFM_PG_HOST", "").strip()
    if not host:
        return None
    user = quote(env.get("WFM_PG_USER", "postgres"), safe="")
    password = env.get("WFM_PG_PASSWORD", "")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    port = env.get("WFM_PG_PORT", "5432") or "5432"
    dbname = quote(env.get("WFM_PG_DBNAME", "postgres"), safe="")
    schema = env.get("WFM_MELTANO_SCHEMA", "meltano") or "meltano"
    query = f"?options={quote(search_path_option(schema), safe='')}"
    sslmode = env.get("WFM_PG_SSLMODE", "").strip()
    if sslmode:
        query += f"&sslmode={quote(sslmode, safe='')}"
    if host.startswith("/"):  # a Unix socket folder (an embedded server) goes in the query
        return f"postgresql+psycopg://{auth}@/{dbname}{query}&host={quote(host, safe='/')}"
    return f"postgresql+psycopg://{auth}@{host}:{port}/{dbname}{query}"


PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_$]*")


def search_path_option(schema: str) -> str:
    """libpq `options` setting search_path to `schema`: the name quoted as PostgreSQL reads a
    search_path (unless plain lower case), spaces and backslashes escaped as the server splits
    `options` (a backslash keeps the next character in the same argument)."""
    value = schema if PLAIN_IDENTIFIER.fullmatch(schema) else '"' + schema.replace('"', '""') + '"'
    return "-csearch_path=" + re.sub(r"([\\\s])", r"\\\1", value)


def search_path_schema(uri: str) -> str | None:
    """The first schema of a search_path given in the URI's options, if any."""
    options = " ".join(parse_qs(urlsplit(uri).query).get("options", []))
    arguments = _split_options(options)
    for i, argument in enumerate(arguments):
        setting = argument
        if argument == "-c" and i + 1 < len(arguments):
            setting = arguments[i + 1]
        elif argument.startswith("-c") or argument.startswith("--"):
            setting = argument[2:]
        name, _, value = setting.partition("=")
        if name.strip().replace("-", "_") == "search_path" and value.strip():
            return _first_identifier(value.strip())
    return None


def _split_options(options: str) -> list[str]:
    """The server's split of libpq `options` (pg_split_opts): whitespace separates, a
    backslash escapes the next character."""
    arguments, current, escaped, started = [], [], False, False
    for char in options:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = started = True
        elif char.isspace():
            if started:
                arguments.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        arguments.append("".join(current))
    return arguments


def _first_identifier(search_path: str) -> str:
    """The first name of a search_path list: "quoted" as written ("" for a quote), else lower case."""
    if search_path.startswith('"'):
        name, i = [], 1
        while i < len(search_path):
            if search_path[i] == '"':
                if search_path[i + 1:i + 2] == '"':
                    name.append('"')
                    i += 2
                    continue
                break
            name.append(search_path[i])
            i += 1
        return "".join(name)
    return search_path.split(",", 1)[0].strip().lower()


def ensure_schema(uri: str) -> None:
    schema = search_path_schema(uri)
    if not schema or not uri.startswith("postgresql"):
        return
    import sqlalchemy as sa

    engine = sa.create_engine(uri, pool_pre_ping=False)
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("select 1 from pg_namespace where nspname = :s"), {"s": schema}
            ).first()
            if not exists:
                from psycopg import sql

                # psycopg's own identifier quoting, on the driver connection under SQLAlchemy's
                statement = sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
                conn.connection.driver_connection.execute(statement)
                conn.commit()
                print(f"wfm: created schema {schema} for Meltano's system database", file=sys.stderr)
    except Exception as exc:  # best effort: Meltano reports the real problem next
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"wfm: could not check or create schema {schema}: {reason}", file=sys.stderr)
    finally:
        engine.dispose()


def main() -> int:
    uri = build_uri(os.environ)
    if uri is None:
        return 0
    if os.environ.get("WFM_CREATE_MELTANO_SCHEMA", "true").lower() not in ("0", "false", "no"):
        ensure_schema(uri)
    print(uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())
