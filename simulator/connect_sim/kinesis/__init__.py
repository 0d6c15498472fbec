"""The simulator's agent event stream: Connect's JSON documents, written to Kinesis or a file.

    event_json.AgentEventEncoder   model.AgentEvent → the document Connect puts on the stream
    writer.KinesisEventWriter      world event sink → PutRecords (in order per agent, at least once)
    writer.JsonlEventWriter        world event sink → one document per line
    moto_server.MotoServer         a local Kinesis/STS/IAM; create_stream() waits for ACTIVE
    readback.read_stream           every record a stream holds, shard by shard (tests, checks)

The replay of documents into state timelines is connect_sim.replay.
"""
