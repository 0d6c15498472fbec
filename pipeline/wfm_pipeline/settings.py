"""Where the main job reads from and writes to, decided from the environment and .env.

- AWS: when the taps' AWS settings are present (TAP_AMAZON_CONNECT_AWS_REGION or
  TAP_CONNECT_KINESIS_STREAM_NAME, in the environment or the project's .env), the job runs
  against the real Amazon Connect; otherwise against the built-in simulator.
- Warehouse: PostgreSQL when WFM_PG_HOST is set; a DuckDB file when WFM_DUCKDB_PATH is set;
  otherwise an embedded PostgreSQL in the output folder (no server needed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

AWS_MARKERS = ("TAP_AMAZON_CONNECT_AWS_REGION", "TAP_AMAZON_CONNECT_INSTANCE_IDS", "TAP_CONNECT_KINESIS_STREAM_NAME")


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
    def duckdb_path(self) -> Path:
        # Not wfm.duckdb: DuckDB names the catalog after the file, and `wfm` is the marts' schema.
        return Path(self.env.get("WFM_DUCKDB_PATH") or self.output_dir / "warehouse.duckdb")
