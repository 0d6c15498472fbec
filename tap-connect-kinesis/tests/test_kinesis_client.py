"""The fast GetRecords path (kinesis_client.py) answers what botocore answers, on the same raw
answers, errors included."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from tap_connect_kinesis.kinesis_client import install_fast_get_records


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body


def _client(status: int, body: bytes, fast: bool):
    client = boto3.client("kinesis", region_name="us-west-2", aws_access_key_id="testing",
                          aws_secret_access_key="testing",
                          config=Config(retries={"mode": "standard", "max_attempts": 1}))
    client.meta.events.register("before-send.kinesis.GetRecords", lambda request, **_: AWSResponse(
        request.url, status, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body)))
    return install_fast_get_records(client) if fast else client


def _answer(status: int, body: bytes, fast: bool):
    try:
        answer = _client(status, body, fast).get_records(ShardIterator="it", Limit=100)
    except ClientError as error:
        return ("error", error.response["Error"], str(error))
    except ValueError as error:  # botocore's own base64 decoding refuses it (binascii.Error)
        return ("raised", type(error).__name__, str(error))
    answer.pop("ResponseMetadata")
    return answer


def _data(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


RECORDS = [
    {"SequenceNumber": "49600000000000000000000000000000000000000000000000000001",
     "ApproximateArrivalTimestamp": 1.764748951123E9, "Data": _data('{"EventId":"a","x":"é"}'),
     "PartitionKey": "agent-1"},
    {"SequenceNumber": "49600000000000000000000000000000000000000000000000000002",
     "ApproximateArrivalTimestamp": 1764748952, "Data": _data("not json \x00"), "PartitionKey": "agent-2",
     "EncryptionType": "KMS"},
    {"SequenceNumber": "3", "Data": "", "PartitionKey": "k"},  # empty data, no arrival time
]

ANSWERS = {
    "records": (200, {"Records": RECORDS, "NextShardIterator": "next", "MillisBehindLatest": 1500}),
    "caught up": (200, {"Records": [], "NextShardIterator": "next", "MillisBehindLatest": 0}),
    "closed shard": (200, {"Records": RECORDS[:1], "MillisBehindLatest": 0, "ChildShards": [
        {"ShardId": "shardId-000000000002", "ParentShards": ["shardId-000000000000"],
         "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "100"}}]}),
    "throttled": (400, {"__type": "ProvisionedThroughputExceededException", "message": "Rate exceeded for shard"}),
    "expired iterator": (400, {"__type": "ExpiredIteratorException", "message": "Iterator expired"}),
    "not found": (400, {"__type": "ResourceNotFoundException", "message": "Shard not found"}),
    "internal": (500, {"__type": "InternalFailure", "message": "oops"}),
    "not the documented shape": (200, {"Records": [{"SequenceNumber": 5, "Data": "%%%"}]}),
    # botocore decodes leniently (b64decode drops what is not base64); the fast path refuses
    # and leaves such an answer to botocore
    "data not base64": (200, {"Records": [{"SequenceNumber": "7", "Data": "eyJ%%%hIjoxfQ==",
                                           "ApproximateArrivalTimestamp": 1764748951, "PartitionKey": "k"}]}),
    "data without padding": (200, {"Records": [{"SequenceNumber": "8", "Data": "eyJhIjoxfQ",
                                                "ApproximateArrivalTimestamp": 1764748951, "PartitionKey": "k"}]}),
}

# base64's + and /, with JSON's optional escape of / (\/): the same bytes either way
ESCAPED_SLASHES = (b'{"Records":[{"SequenceNumber":"9","ApproximateArrivalTimestamp":1764748951,'
                   b'"PartitionKey":"k","Data":"' + base64.b64encode(b"\xfb\xff\xbf{}").replace(b"/", b"\\/")
                   + b'"}],"MillisBehindLatest":0}')


@pytest.mark.parametrize("name", list(ANSWERS))
def test_fast_path_answers_as_botocore_does(name):
    status, document = ANSWERS[name]
    body = json.dumps(document).encode()
    slow, fast = _answer(status, body, fast=False), _answer(status, body, fast=True)
    assert fast == slow
    if name == "records":
        assert [r["Data"] for r in fast["Records"]] == [
            '{"EventId":"a","x":"é"}'.encode(), b"not json \x00", b""]
        assert fast["Records"][0]["ApproximateArrivalTimestamp"].timestamp() == pytest.approx(1.764748951123E9)
    if name == "closed shard":
        assert "NextShardIterator" not in fast and fast["ChildShards"]
    if status >= 300:
        assert fast[0] == "error" and fast[1]["Code"] == document["__type"]


def test_fast_path_reads_base64_whose_slashes_json_escaped():
    slow, fast = _answer(200, ESCAPED_SLASHES, fast=False), _answer(200, ESCAPED_SLASHES, fast=True)
    assert fast == slow
    assert fast["Records"][0]["Data"] == b"\xfb\xff\xbf{}"
