"""GetMetricDataV2's vocabulary, read from botocore's documentation of the request.

The model types metric names, filter keys and groupings as plain strings and lists the
valid values only in the documentation; the service rejects anything else. Each metric's
entry also says which resource groupings and filters it accepts and whether it takes a
threshold.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache

from .service_model import operation

HIERARCHY_LEVELS = ("ONE", "TWO", "THREE", "FOUR", "FIVE")
HIERARCHY_KEYS = tuple(f"AGENT_HIERARCHY_LEVEL_{level}" for level in HIERARCHY_LEVELS)
# Filter keys naming resources; a request needs at least one (they authorize it).
AUTHORIZING_FILTER_KEYS = frozenset(
    {"QUEUE", "ROUTING_PROFILE", "AGENT", *HIERARCHY_KEYS, "CAMPAIGN", "EVALUATION_FORM",
     "EVALUATOR_ID"}
)
# Filter keys whose values do not count towards the 100-value limit.
UNCOUNTED_FILTER_KEYS = frozenset({"CHANNEL"})
CHANNEL_VALUES = frozenset({"VOICE", "CHAT", "TASK", "EMAIL"})

# How a metric entry names the groupings/filters it accepts → the request keys.
_RESOURCE_WORDS = {
    "queue": ("QUEUE",),
    "channel": ("CHANNEL",),
    "routing profile": ("ROUTING_PROFILE",),
    "agent": ("AGENT",),
    "agent hierarchy": HIERARCHY_KEYS,
}
RESOURCE_KEYS = frozenset(key for keys in _RESOURCE_WORDS.values() for key in keys)


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    # Resource groupings/filters (of RESOURCE_KEYS) the metric accepts; None: undocumented.
    resource_keys: frozenset[str] | None
    threshold_comparisons: frozenset[str]  # empty: the metric takes no threshold


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _documentation(member: str) -> str:
    return operation("GetMetricDataV2").input_shape.members[member].documentation


def _spec(name: str, entry: str) -> MetricSpec:
    paragraphs = [_text(p) for p in re.findall(r"<p>(.*?)</p>", entry, re.S)]
    resource_keys: frozenset[str] | None = None
    comparisons: frozenset[str] = frozenset()
    for paragraph in paragraphs:
        if paragraph.startswith("Valid groupings and filters:"):
            words = [w.strip().lower() for w in paragraph.split(":", 1)[1].split(",")]
            resource_keys = frozenset(
                key for word in words for key in _RESOURCE_WORDS.get(word, ())
            )
        elif paragraph.startswith("Threshold:"):
            comparisons = frozenset(re.findall(r"\b(LTE|LT|GT)\b", paragraph))
    return MetricSpec(name, resource_keys, comparisons)


@cache
def metric_specs() -> dict[str, MetricSpec]:
    entries = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", _documentation("Metrics"), re.S)
    return {_text(name): _spec(_text(name), body) for name, body in entries}


def _key_list(member: str, heading: str) -> frozenset[str]:
    text = _text(_documentation(member))
    listed = text.split(heading, 1)[1]
    tokens = re.findall(r"[A-Za-z_/:]+|\|", listed)
    keys: set[str] = set()
    # The list is "KEY | KEY | ... | KEY" followed by prose: stop at the first non-key.
    expect_key = True
    for token in tokens:
        if expect_key:
            keys.add(token)
        elif token != "|":
            break
        expect_key = not expect_key
    return frozenset(keys)


@cache
def filter_keys() -> frozenset[str]:
    return _key_list("Filters", "valid filter keys for a GetMetricDataV2 request:")


@cache
def grouping_keys() -> frozenset[str]:
    return _key_list("Groupings", "Valid grouping keys:")
