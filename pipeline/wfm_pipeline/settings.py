"""Where the main job reads from and writes to, decided from the environment and .env.

- AWS: when the taps' AWS settings are present (TAP_AMAZON_CONNECT_AWS_REGION or
  TAP_CONNECT_KINESIS_STREAM_NAME, in the environment or the project's .env), the job runs
  against the real Amazon Connect; otherwise against the built-in simulator.
- Warehouse: PostgreSQL when WFM_PG_HOST is set; a DuckDB file when WFM_DUCKDB_PATH is set;
  otherwise an embedded PostgreSQL in the output folder (no server needed).
- The report's targets: WFM_SERVICE_LEVEL_TARGET (percent/seconds, default 80/20: 80% of
  contacts answered within 20 s), WFM_AHT_TARGET_SECONDS (none by default), and
  WFM_REPORT_TIME_ZONE (default: the sites' zone, from the WFM tables).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

AWS_MARKERS = ("TAP_AMAZON_CONNECT_AWS_REGION", "TAP_AMAZON_CONNECT_INSTANCE_IDS", "TAP_CONNECT_KINESIS_STREAM_NAME")
DEFAULT_SERVICE_LEVEL_TARGET = "80/20"


class SettingError(ValueError):
    """A setting with a value the job cannot use: the message names it and what it must be."""


@dataclass(frozen=True)
class ReportTargets:
    service_level_pct: float = 80.0
    service_level_seconds: int = 20
    aht_seconds: float | None = None
    time_zone: str | None = None  # None: the sites' zone

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ReportTargets:
        text = (env.get("WFM_SERVICE_LEVEL_TARGET") or DEFAULT_SERVICE_LEVEL_TARGET).strip()
        pct, _, seconds = text.partition("/")
        try:
            sl_pct, sl_seconds = float(pct.strip().rstrip("%")), int(seconds.strip().rstrip("s").strip())
        except ValueError:
            sl_pct = sl_seconds = -1
        if not (0 < sl_pct <= 100 and sl_seconds > 0):
            raise SettingError(f"WFM_SERVICE_LEVEL_TARGET {text!r} is not a service level target: write "
                               "percent/seconds, e.g. 80/20 (80% of contacts answered within 20 s)")
        aht = (env.get("WFM_AHT_TARGET_SECONDS") or "").strip()
        try:
            aht_seconds = float(aht) if aht else None
        except ValueError:
            aht_seconds = -1.0
        if aht_seconds is not None and aht_seconds <= 0:
            raise SettingError(f"WFM_AHT_TARGET_SECONDS {aht!r} is not a number of seconds above 0")
        zone = (env.get("WFM_REPORT_TIME_ZONE") or "").strip() or None
        if zone:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise SettingError(f"WFM_REPORT_TIME_ZONE {zone!r} is not a time zone: use an IANA name "
                                   "like Europe/Berlin") from None
        return cls(sl_pct, sl_seconds, aht_seconds, zone)


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (export prefixes, quotes and comments allowed), as Meltano reads .env."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass(frozen=True)
class PipelineSettings:
    project_root: Path
    source: str  # "simulator" | "aws"
    warehouse: str  # "postgres" | "embedded" | "duckdb"
    output_dir: Path
    env: Mapping[str, str]  # what the job sees: .env under the process environment

    @classmethod
    def detect(cls, project_root: Path, environ: Mapping[str, str] | None = None) -> PipelineSettings:
        env = {**read_dotenv(project_root / ".env"), **(environ if environ is not None else os.environ)}
        source = "aws" if any(env.get(key) for key in AWS_MARKERS) else "simulator"
        warehouse = ("postgres" if env.get("WFM_PG_HOST") else
                     "duckdb" if env.get("WFM_DUCKDB_PATH") else "embedded")
        output = Path(env.get("WFM_OUTPUT_DIR") or project_root / "output")
        return cls(project_root, source, warehouse, output, env)

    @property
    def loader(self) -> str:
        return "target-duckdb" if self.warehouse == "duckdb" else "target-postgres"

    @property
    def dbt(self) -> str:
        return "dbt-duckdb" if self.warehouse == "duckdb" else "dbt-postgres"

    def with_env(self, **values: str) -> PipelineSettings:
        return PipelineSettings(self.project_root, self.source, self.warehouse, self.output_dir,
                                {**self.env, **values})

    @property
    def report_targets(self) -> ReportTargets:
        return ReportTargets.from_env(self.env)

    @property
    def duckdb_path(self) -> Path:
        # Not wfm.duckdb: DuckDB names the catalog after the file, and `wfm` is the marts' schema.
        return Path(self.env.get("WFM_DUCKDB_PATH") or self.output_dir / "warehouse.duckdb")
