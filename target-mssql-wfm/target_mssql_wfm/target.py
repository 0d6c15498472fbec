"""The SQL Server loader of the WFM pipeline: target-mssql 0.2.1 with MssqlWfmSink."""

from __future__ import annotations

from target_mssql.target import Targetmssql

from target_mssql_wfm.sinks import MssqlWfmSink


class TargetMssqlWfm(Targetmssql):
    """target-mssql 0.2.1 (its settings, table names, `#temp` + `MERGE` upsert) with the
    corrected types, decoding and de-duplication of MssqlWfmSink and MssqlWfmConnector."""

    name = "target-mssql"  # the plugin's name in meltano.yml, its settings TARGET_MSSQL_*
    default_sink_class = MssqlWfmSink


if __name__ == "__main__":
    TargetMssqlWfm.cli()
