"""Singer tap for Amazon Connect agent events on Kinesis."""

__version__ = "0.1.0"
