"""Fixtures for tap-connect-kinesis tests; helpers live in tck_helpers.py (importable by
the test modules under pytest's importlib import mode thanks to the path entry below)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tck_helpers import KinesisEnv


@pytest.fixture
def kinesis(moto_kinesis, unique_name, tmp_path) -> KinesisEnv:
    return KinesisEnv(moto_kinesis.endpoint_url, moto_kinesis.client("kinesis"), tmp_path, unique_name)




@pytest.fixture
def moto_writes_to_open_shards(monkeypatch):
    """moto (5.2.5) routes a put to the first shard whose hash range matches, closed or not,
    so after a split or merge new records keep landing in the closed parent, which real
    Kinesis never does. This routes puts to open shards only, as Kinesis does (test-only)."""
    from moto.kinesis import models
    from moto.kinesis.exceptions import InvalidArgumentError
    from moto.utilities.utils import md5_hash

    def get_shard_for_key(self, partition_key, explicit_hash_key):
        if explicit_hash_key:
            key = int(explicit_hash_key)
        else:
            if not isinstance(partition_key, str) or len(partition_key) > 256:
                raise InvalidArgumentError("partition_key")
            key = int(md5_hash(partition_key.encode("utf-8")).hexdigest(), 16)
        for shard in self.shards.values():
            if shard.is_open and shard.starting_hash <= key <= shard.ending_hash:
                return shard
        return None

    monkeypatch.setattr(models.Stream, "get_shard_for_key", get_shard_for_key)
