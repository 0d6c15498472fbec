"""`wfm-pipeline verify-warehouse`: prove the pipeline on an operator's own warehouse.

In scratch schemas of the warehouse (`wfm_verify_<random>_raw`, `…_wfm`, `…_wfm_staging`, …, all
dropped afterwards, also after a failure or Ctrl-C) it loads the shipped fixture set
(verify_fixture.py: the two taps' real output and the operator's inputs) through the loader
meltano.yml configures for that warehouse (`meltano invoke target-…`, the Singer files on its
standard input), runs `dbt build` of transform/ through that warehouse's dbt utility, and
compares every wfm_* mart row for row with the shipped expected rows. Connection settings are
the jobs' own (WFM_PG_*, WFM_DUCKDB_PATH, WFM_MSSQL_* or TARGET_MSSQL_SQLALCHEMY_URL, from the
environment or .env, and MELTANO_ENVIRONMENT, default dev): the command has no settings of its own.

dbt's schema names are contract (the marts live in `wfm`); the build sets transform/'s var
schema_prefix (macros/dbt_overrides/generate_schema_name.sql), so every schema it writes carries
the scratch prefix: the operator's own `wfm` schema is never touched.
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import verify_backends as backends
from . import verify_fixture as fixture
from .meltano_runner import MeltanoRunner, StepFailed
from .settings import PipelineSettings
from .verify_errors import SETTING_HINTS, VerifyError
from .verify_results import Tolerance, compare, compared_columns, normalise_rows, table_lines

PREFIX = "wfm_verify_"


@dataclass(frozen=True)
class Warehouse:
    name: str
    loader: str
    dbt: str
    required: tuple[str, ...]  # settings that must be set (any one of a group "A|B")
    tolerance: Tolerance = dataclasses.field(default_factory=Tolerance)

    @property
    def schema_setting(self) -> str:
        """The loader's own setting of its schema (meltano.yml sets it from WFM_RAW_SCHEMA, which
        meltano.yml's env pins; the plugin's setting in the environment overrides both)."""
        return f"{self.loader.upper().replace('-', '_')}_DEFAULT_TARGET_SCHEMA"


WAREHOUSES = {
    # target-postgres wants a password even where the server asks none (trust): any value then
    "postgres": Warehouse("postgres", "target-postgres", "dbt-postgres",
                          ("WFM_PG_HOST", "WFM_PG_DBNAME", "WFM_PG_PASSWORD|TARGET_POSTGRES_SQLALCHEMY_URL")),
    "duckdb": Warehouse("duckdb", "target-duckdb", "dbt-duckdb", ("WFM_DUCKDB_PATH",)),
    # target-mssql 0.2.1 stored times as DATETIME (1/300 s steps); target-mssql-wfm declares
    # DATETIMEOFFSET(6), but whether pymssql sends the microseconds is unproven without a server
    # (docs/sqlserver.md): times and millisecond columns within 4 ms, seconds and shares within 0.05
    "sqlserver": Warehouse("sqlserver", "target-mssql", "dbt-sqlserver",
                           ("WFM_MSSQL_HOST|TARGET_MSSQL_SQLALCHEMY_URL", "WFM_MSSQL_DBNAME|TARGET_MSSQL_SQLALCHEMY_URL"),
                           Tolerance(time_ms=4, number=0.05)),
}


def check_settings(warehouse: Warehouse, settings: PipelineSettings) -> None:
    for group in warehouse.required:
        names = group.split("|")
        if not any(settings.env.get(name) for name in names):
            raise VerifyError(f"{' or '.join(names)} is not set: set {SETTING_HINTS[warehouse.name]} "
                              f"(environment or .env) to the {warehouse.name} warehouse to verify")
    sys_dir = Path(settings.env.get("MELTANO_SYS_DIR_ROOT") or settings.project_root / ".meltano")
    for kind, plugin in (("loaders", warehouse.loader), ("utilities", warehouse.dbt)):
        if not (sys_dir / kind / plugin / "venv").exists():
            raise VerifyError(f"the Meltano plugin {plugin} is not installed: run "
                              f"`meltano install {warehouse.loader} {warehouse.dbt}` in {settings.project_root}")


def singer_input(work: Path, warehouse: Warehouse) -> Path:
    """The fixture's Singer files as one stream; SQL Server gets the site's zone by its Windows name."""
    path = work / "fixture.singer"
    with path.open("w") as out:
        for source in fixture.singer_files():
            text = fixture.read_singer(source)
            if warehouse.name == "sqlserver" and source.name == fixture.INPUT_FILE:
                for iana, windows in fixture.WINDOWS_TIME_ZONES.items():
                    text = text.replace(f'"time_zone":"{iana}"', f'"time_zone":"{windows}"')
            out.write(text)
    return path


@dataclass
class ScratchBuild:
    """What one run left to compare: the marts read back (table → (columns, rows), None when not
    built), the step that failed, if one did."""

    warehouse: Warehouse
    prefix: str
    work: Path
    found: dict
    failed_step: StepFailed | None = None


def build_in_scratch(root: Path, warehouse: Warehouse, settings: PipelineSettings, backend, environment: str,
                     terminal: bool | None = None) -> ScratchBuild:
    """Load, build, read back; the scratch schemas dropped whatever happens (Ctrl-C included)."""
    build = ScratchBuild(warehouse, f"{PREFIX}{secrets.token_hex(4)}_", Path(tempfile.mkdtemp(prefix="wfm-verify-")),
                         {})
    prefix, work = build.prefix, build.work
    print(f"Verifying {warehouse.name} ({warehouse.loader}, {warehouse.dbt}) with the shipped fixture "
          f"({fixture.about()}), in scratch schemas {prefix}*")
    runner = MeltanoRunner(root, work / "logs", settings.env, environment, terminal=terminal)
    try:
        try:
            runner.step(f"Loading the fixture through {warehouse.loader}", "invoke", warehouse.loader,
                        extra_env={warehouse.schema_setting: f"{prefix}raw"},
                        stdin=singer_input(work, warehouse), own_group=True)
            dbt_vars = (f"{{schema_prefix: {prefix}, raw_schema: {prefix}raw, schedule_relation: {prefix}raw.schedule, "
                        f"site_time_zones_relation: {prefix}raw.site_time_zones}}")
            runner.step(f"dbt build of transform/ ({warehouse.dbt})", "invoke", warehouse.dbt, "build",
                        "--target-path", str(work / "target"), "--vars", dbt_vars, own_group=True)
        except StepFailed as failure:
            build.failed_step = failure
        build.found = backend.read_tables(f"{prefix}wfm", list(fixture.MART_KEYS))
    except KeyboardInterrupt:
        # a statement of the killed step may still be finishing in the server: drop, wait, drop again
        backend.drop_schemas(prefix)
        time.sleep(2)
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        backend.drop_schemas(prefix)
    return build


def _as_loaded(expected: dict, warehouse: Warehouse) -> dict:
    """The expected rows with the site's zone as singer_input loaded it (SQL Server: its Windows name)."""
    if warehouse.name != "sqlserver" or "site_time_zone" not in expected["columns"]:
        return expected
    at = expected["columns"].index("site_time_zone")
    rows = [[fixture.WINDOWS_TIME_ZONES.get(v, v) if i == at else v for i, v in enumerate(row)]
            for row in expected["rows"]]
    return {**expected, "rows": rows}


def judge(build: ScratchBuild, tolerance: Tolerance) -> int:
    """The pass/fail table against the shipped expected rows; 0 when every table matches."""
    found = build.found
    results = [compare(_as_loaded(expected, build.warehouse),
                       None if found.get(table) is None else normalise_rows(found[table][1]), tolerance,
                       found_columns=None if found.get(table) is None else [c.lower() for c in found[table][0]])
               for table, expected in fixture.read_expected().items()]
    print()
    print("\n".join(table_lines(results)))
    print()
    passed = build.failed_step is None and all(r.passed for r in results)
    if build.failed_step:
        print(build.failed_step, file=sys.stderr)
    print(f"{'PASS' if passed else 'FAIL'}: {sum(r.passed for r in results)} of {len(results)} WFM tables "
          f"as expected on {build.warehouse.name}; scratch schemas {build.prefix}* dropped"
          + ("" if passed else f"; the loader's and dbt's logs: {build.work / 'logs'}"))
    if passed:
        shutil.rmtree(build.work, ignore_errors=True)
    return 0 if passed else 1


def verify(root: Path, warehouse_name: str, *, environ=None, write_expected: bool = False,
           tolerance: Tolerance | None = None, terminal: bool | None = None) -> int:
    """Returns 0 when every table matches (or the expected rows were written), 1 otherwise;
    VerifyError for bad settings."""
    if warehouse_name not in WAREHOUSES:
        raise VerifyError(f"--warehouse {warehouse_name!r} is not one of {', '.join(WAREHOUSES)}")
    warehouse = WAREHOUSES[warehouse_name]
    settings = dataclasses.replace(PipelineSettings.detect(root, environ), warehouse=warehouse.name)
    check_settings(warehouse, settings)
    environment = settings.env.get("MELTANO_ENVIRONMENT") or "dev"
    backend = backends.for_warehouse(warehouse, settings, environment)
    backend.check_reachable()
    build = build_in_scratch(root, warehouse, settings, backend, environment, terminal)
    if not write_expected:
        return judge(build, tolerance or warehouse.tolerance)
    if build.failed_step:
        print(build.failed_step, file=sys.stderr)
        return 1
    fixture.write_expected({table: (compared_columns([c.lower() for c in got[0]]), normalise_rows(got[1]))
                            for table, got in build.found.items() if got is not None})
    shutil.rmtree(build.work, ignore_errors=True)
    print(f"Wrote the expected rows of {len(build.found)} tables to {fixture.EXPECTED_DIR}")
    return 0
