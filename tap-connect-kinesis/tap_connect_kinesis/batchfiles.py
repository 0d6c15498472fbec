"""SDK batch files: the rows of one poll cycle as one JSON-lines file, announced by a BATCH
message. Singer SDK targets (meltanolabs-target-postgres among them) load a BATCH message as
soon as they read it, whereas RECORD messages wait until 10,000 rows or 5 minutes; batch
files are how rows reach the warehouse within the collection interval.

Files go to `batch_config.storage.root` when the tap config has an SDK `batch_config`, else
to a directory of the tap's own in the system temp dir. The target never deletes them: the
tap removes its own files once they are `retention_s` old (the target reads a BATCH
message when it arrives, long before that).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Mapping
from gzip import GzipFile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import msgspec

from .sdk_internals import batch_encoding

log = logging.getLogger(__name__)
ENCODE_SLICE = 500
DEFAULT_DIRECTORY = Path(tempfile.gettempdir()) / "tap-connect-kinesis-batches"


class BatchFiles:
    def __init__(self, directory: Path, prefix: str = "", compression: str | None = None,
                 retention_s: float = 3600.0) -> None:
        self.directory = directory
        self.prefix = prefix
        self.compression = compression if compression in ("gzip",) else None
        self.encoding = batch_encoding(self.compression)
        self.retention_s = retention_s
        self._encoder = msgspec.json.Encoder()
        self._next_cleanup = 0.0
        self.directory.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BatchFiles:
        """From the tap's settings, defaults filled in (tap.with_defaults)."""
        retention = float(config["batch_file_retention_seconds"])
        batch_config = config.get("batch_config")
        if batch_config:
            storage = batch_config.get("storage") or {}
            root = storage.get("root") or DEFAULT_DIRECTORY.as_uri()
            parsed = urlparse(root)
            if parsed.scheme not in ("", "file"):
                raise ValueError(f"batch_config.storage.root must be a local directory (file://), not {root!r}")
            encoding = batch_config.get("encoding") or {}
            if encoding.get("format", "jsonl") != "jsonl":
                raise ValueError("batch_config.encoding.format must be jsonl")
            directory = Path(unquote(parsed.path) if parsed.scheme else root)
            return cls(directory, storage.get("prefix") or "", encoding.get("compression"), retention)
        directory = config.get("batch_directory")
        return cls(Path(directory) if directory else DEFAULT_DIRECTORY, "", None, retention)

    def write(self, stream: str, rows: list[Any]) -> list[str]:
        """Write rows to one new file; returns the manifest (file URLs)."""
        name = f"{self.prefix}{stream}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.jsonl"
        if self.compression == "gzip":
            name += ".gz"
        path = self.directory / name
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as file:
            out = GzipFile(fileobj=file, mode="wb", compresslevel=1) if self.compression == "gzip" else file
            # in slices: a batch of large events encoded at once would double the memory it takes
            for start in range(0, len(rows), ENCODE_SLICE):
                out.write(self._encoder.encode_lines(rows[start:start + ENCODE_SLICE]))
            if out is not file:
                out.close()
        os.replace(partial, path)
        self.clean_up()
        return [path.resolve().as_uri()]

    def clean_up(self, force: bool = False) -> int:
        """Remove this tap's batch files older than the retention (at most once a minute)."""
        now = time.time()
        if not force and now < self._next_cleanup:
            return 0
        self._next_cleanup = now + 60
        removed = 0
        for path in self.directory.glob(f"{self.prefix}*.jsonl*"):
            try:
                if now - path.stat().st_mtime > self.retention_s:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        if removed:
            log.info("Removed %d batch files older than %.0f s from %s", removed, self.retention_s,
                     self.directory)
        return removed
