"""Singer tap for Amazon Connect."""
