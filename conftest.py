"""Test ordering for the whole suite (`./wfm test`): longest first."""

from __future__ import annotations

# Where the long tests are, longest first: the end-to-end tests (xdist groups of minutes each,
# one test of a group at a time), the wheels built and installed from git (tests/packaging),
# then the dbt builds of tests/transform (up to a minute each).
LONG_FIRST = ("tests/e2e/", "tests/packaging/", "tests/transform/", "tests/sqlserver/")


def _rank(path: str) -> int:
    return next((i for i, folder in enumerate(LONG_FIRST) if folder in path), len(LONG_FIRST))


def pytest_collection_modifyitems(items) -> None:
    """Long tests first, so the workers start on them at once and the short tests fill in
    around them, instead of a long one starting last and running on alone."""
    items.sort(key=lambda item: _rank(item.path.as_posix()))
