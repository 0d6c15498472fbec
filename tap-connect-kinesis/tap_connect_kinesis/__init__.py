"""Singer tap for Amazon Connect agent events on Kinesis."""

from importlib.metadata import PackageNotFoundError, version

try:  # the installed distribution's, from the repository's git tag (pyproject.toml: hatch-vcs)
    __version__ = version("tap-connect-kinesis")
except PackageNotFoundError:  # imported from a source tree that is not installed
    __version__ = "0.0.0"
