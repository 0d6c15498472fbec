"""Singer tap for Amazon Connect."""

__version__ = "0.1.0"
