"""Singer tap for Amazon Connect."""

from importlib.metadata import PackageNotFoundError, version

try:  # the installed distribution's, from the repository's git tag (pyproject.toml: hatch-vcs)
    __version__ = version("tap-amazon-connect")
except PackageNotFoundError:  # imported from a source tree that is not installed
    __version__ = "0.0.0"
