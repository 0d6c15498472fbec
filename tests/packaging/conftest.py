"""Packaging tests: the taps and wfm-aws as a user gets them, away from this checkout.

A snapshot of the three packages' folders (the working tree as it is, committed changes or
not) becomes a git repository of its own under a temporary directory, tagged like a release;
the tests build from it, install from it and never import from the checkout. Helpers live in
release_helpers.py (importable by the test modules under pytest's importlib import mode
thanks to the path entry below)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from release_helpers import make_tagged_repo


@pytest.fixture(scope="module")
def tagged_repo(tmp_path_factory) -> Path:
    """The packages as they are now, committed and tagged in a repository of their own (per module)."""
    return make_tagged_repo(tmp_path_factory.mktemp("release") / "repo")
