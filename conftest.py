"""Test ordering for the whole suite (`./wfm test`)."""

from __future__ import annotations


def pytest_collection_modifyitems(items) -> None:
    """The end-to-end tests first: their xdist groups (minutes each, one test of a group at a
    time) then start at once on the workers, and the short tests fill in around them, instead
    of the groups starting last and running on alone."""
    items.sort(key=lambda item: 0 if "tests/e2e/" in item.path.as_posix() else 1)
