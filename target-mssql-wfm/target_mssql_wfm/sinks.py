"""target-mssql 0.2.1's sink, its rows made ready for pymssql and one per key per load."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from target_mssql.sinks import mssqlSink

from target_mssql_wfm.connector import MssqlWfmConnector


class MssqlWfmSink(mssqlSink):
    """target-mssql 0.2.1's sink (a `#temp` copy, the rows inserted, `MERGE` on the key), with:

    - BATCH messages' rows prepared as RECORD messages' are: singer-sdk 0.13 hands a batch
      file's rows to `process_batch` as read, so JSON objects and arrays reached pymssql as
      dict and list ("Unsupported parameter type") and date-times as text. Here each is
      validated, its date-times parsed and its JSON values serialised (0.2.1's
      `preprocess_record`), as a RECORD message is;
    - date-times in UTC before they reach the driver (the contract's times are UTC; pymssql
      may write a datetime without its offset);
    - one row per key in each load, the last one (a Singer upsert: a later record of a key
      replaces an earlier one). Kinesis delivers at least once, so one agent event can come
      twice in one load; 0.2.1's `MERGE` of such a `#temp` table fails (error 2627 for a new
      key, 8672 for a loaded one).
    """

    connector_class = MssqlWfmConnector

    _reading_batch_files = False

    def process_batch_files(self, encoding, files: Sequence[str]) -> None:
        self._reading_batch_files = True
        try:
            super().process_batch_files(encoding, files)
        finally:
            self._reading_batch_files = False

    def process_batch(self, context: dict) -> None:
        records: Iterable[dict] = context["records"]
        if self._reading_batch_files:
            records = (self._prepare_batch_file_record(record) for record in records)
        rows = [self._in_utc(record) for record in records]
        if self.key_properties:
            rows = self._last_per_key(rows)
        super().process_batch({**context, "records": rows})

    def _prepare_batch_file_record(self, record: dict) -> dict:
        """What singer-sdk 0.13 does to a RECORD message's row (target_base's
        `_process_record_message`), for a row of a BATCH file."""
        if self.include_sdc_metadata_properties:
            self._add_sdc_metadata_to_record(record, {}, {})
        else:
            self._remove_sdc_metadata_from_record(record)
        self._validate_and_parse(record)
        return self.preprocess_record(record, {})

    @staticmethod
    def _in_utc(record: dict) -> dict:
        for name, value in record.items():
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                record[name] = value.astimezone(datetime.UTC)
        return record

    def _last_per_key(self, rows: list[dict]) -> list[dict]:
        latest: dict[tuple[Any, ...], dict] = {}
        for row in rows:
            key = tuple(row.get(name) for name in self.key_properties)
            latest.pop(key, None)  # the last one, at the place of the last one
            latest[key] = row
        if len(latest) < len(rows):
            self.logger.info("%s: %d rows repeated a key of the same load, the last of each kept",
                             self.stream_name, len(rows) - len(latest))
            self.tally_duplicate_merged(len(rows) - len(latest))
        return list(latest.values())
