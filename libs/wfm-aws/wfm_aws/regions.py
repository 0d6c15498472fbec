"""Region names: the canonical "us-west-2" and the .NET SDK style "USWest2" of the spec."""

from __future__ import annotations

import difflib
import functools
import re

import botocore.session

from .errors import AwsConfigError

# "USWest2", "USGovWest1", "APSoutheast2", "EUCentral1", "CNNorthWest1", "MECentral1"
_DOTNET_STYLE = re.compile(r"([A-Z]{2})(Gov)?([A-Z][A-Za-z]*?)(\d+)")


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows, in every partition (aws, aws-cn, aws-us-gov, ...)."""
    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        for service in ("sts", "ec2"):
            regions.update(session.get_available_regions(service, partition_name=partition))
    return frozenset(regions)


def normalize_region(value: str) -> str:
    """'USWest2' or 'us-west-2' → 'us-west-2'; anything else is a clear error."""
    text = (value or "").strip()
    if not text:
        raise AwsConfigError("aws_region is empty: set it, e.g. 'us-west-2' (or 'USWest2')")
    match = _DOTNET_STYLE.fullmatch(text)
    if match:
        area, gov, direction, number = match.groups()
        parts = [area.lower(), *(["gov"] if gov else []), direction.lower(), number]
        candidate = "-".join(parts)
    else:
        candidate = text.lower().replace("_", "-")
    if candidate in known_regions():
        return candidate
    close = difflib.get_close_matches(candidate, sorted(known_regions()), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise AwsConfigError(
        f"aws_region {value!r} is not an AWS region.{hint} "
        "Use the canonical name ('us-west-2') or the .NET style of the integration spec ('USWest2')."
    )
