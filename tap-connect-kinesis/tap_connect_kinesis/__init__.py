"""Singer tap for Amazon Connect agent events on Kinesis."""
