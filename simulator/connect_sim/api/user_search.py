"""SearchUsers: search criteria and filters evaluated against users as of now.

String conditions compare case-insensitively. Simulated users carry no tags and no
proficiencies, so tag and list conditions never match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import HierarchyGroup, Instance, User
from .config_handlers import hierarchy_chain, phone_config
from .context import Call
from .errors import ApiError, invalid_parameter
from .resources import existing_users, instance_of

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Candidate:
    user: User
    fields: dict[str, tuple[str, ...]]  # lower-case field name → values
    group_id: str
    group_path_ids: frozenset[str]  # the user's group and its ancestors


_FIELDS = ("username", "firstname", "lastname", "routingprofileid", "securityprofileid",
           "resourceid")


def _candidate(user: User, now_ms: int, groups: dict[str, HierarchyGroup]) -> _Candidate:
    version = user.version_at(now_ms)
    group = groups.get(version.hierarchy_group_id)
    path = frozenset(g.id for g in hierarchy_chain(group, groups)) if group else frozenset()
    return _Candidate(
        user,
        {
            "username": (user.username,),
            "firstname": (version.first_name,),
            "lastname": (version.last_name,),
            "routingprofileid": (version.routing_profile_id,),
            "securityprofileid": version.security_profile_ids,
            "resourceid": (user.id,),
        },
        version.hierarchy_group_id,
        path,
    )


def _string_matches(condition: Document, candidate: _Candidate) -> bool:
    field = str(condition.get("FieldName", "")).lower()
    if field not in _FIELDS:
        raise invalid_parameter(
            f"FieldName {condition.get('FieldName')} is not supported. Supported values are "
            "Username, FirstName, LastName, RoutingProfileId, SecurityProfileId, resourceId"
        )
    wanted = str(condition.get("Value", "")).lower()
    comparison = condition.get("ComparisonType", "EXACT")
    for value in (v.lower() for v in candidate.fields[field]):
        if (comparison == "EXACT" and value == wanted) or (
            comparison == "STARTS_WITH" and value.startswith(wanted)
        ) or (comparison == "CONTAINS" and wanted in value):
            return True
    return False


def _group_matches(condition: Document, candidate: _Candidate) -> bool:
    group_id = condition.get("Value")
    if condition.get("HierarchyGroupMatchType") == "WITH_CHILD_GROUPS":
        return group_id in candidate.group_path_ids
    return group_id == candidate.group_id


def _criteria_match(criteria: Document, candidate: _Candidate) -> bool:
    """Every part a criteria node holds must hold (Or/And lists nest further nodes)."""
    parts = []
    if "OrConditions" in criteria:
        parts.append(any(_criteria_match(c, candidate) for c in criteria["OrConditions"]))
    if "AndConditions" in criteria:
        parts.append(all(_criteria_match(c, candidate) for c in criteria["AndConditions"]))
    if "StringCondition" in criteria:
        parts.append(_string_matches(criteria["StringCondition"], candidate))
    if "HierarchyGroupCondition" in criteria:
        parts.append(_group_matches(criteria["HierarchyGroupCondition"], candidate))
    if "ListCondition" in criteria:
        parts.append(False)  # no simulated user has proficiencies
    return all(parts)


def _tags_match(tag_conditions: list[Document]) -> bool:
    return not tag_conditions  # users have no tags: only an empty condition list holds


def _attribute_and_match(condition: Document, candidate: _Candidate) -> bool:
    parts = [_tags_match(condition.get("TagConditions", []))]
    if "HierarchyGroupCondition" in condition:
        parts.append(_group_matches(condition["HierarchyGroupCondition"], candidate))
    return all(parts)


def _filter_match(search_filter: Document, candidate: _Candidate) -> bool:
    if "TagFilter" in search_filter:
        tag_filter = search_filter["TagFilter"]
        parts = []
        if "OrConditions" in tag_filter:
            parts.append(any(_tags_match(group) for group in tag_filter["OrConditions"]))
        if "AndConditions" in tag_filter:
            parts.append(_tags_match(tag_filter["AndConditions"]))
        if "TagCondition" in tag_filter:
            parts.append(False)
        return all(parts)
    attributes = search_filter.get("UserAttributeFilter", {})
    parts = []
    if "OrConditions" in attributes:
        parts.append(any(_attribute_and_match(c, candidate) for c in attributes["OrConditions"]))
    if "AndCondition" in attributes:
        parts.append(_attribute_and_match(attributes["AndCondition"], candidate))
    if "TagCondition" in attributes:
        parts.append(False)
    if "HierarchyGroupCondition" in attributes:
        parts.append(_group_matches(attributes["HierarchyGroupCondition"], candidate))
    return all(parts)


def _summary(user: User, now_ms: int) -> Document:
    version = user.version_at(now_ms)
    return {
        "Arn": user.arn,
        "HierarchyGroupId": version.hierarchy_group_id,
        "Id": user.id,
        "IdentityInfo": {"FirstName": version.first_name, "LastName": version.last_name},
        "PhoneConfig": phone_config(user, now_ms, acw_limit_in_ms=True),
        "RoutingProfileId": version.routing_profile_id,
        "SecurityProfileIds": list(version.security_profile_ids),
        "Username": user.username,
    }


def search_users(call: Call) -> Document:
    instance: Instance = instance_of(call)
    search_filter = call.params.get("SearchFilter") or {}
    if "TagFilter" in search_filter and "UserAttributeFilter" in search_filter:
        # Documented: combining the two "will throw AccessDeniedException".
        raise ApiError("AccessDeniedException",
                       "SearchFilter cannot combine TagFilter and UserAttributeFilter")
    criteria = call.params.get("SearchCriteria") or {}
    groups = {g.id: g for g in call.directory.hierarchy_groups if g.instance_id == instance.id}

    def matching() -> list[Document]:
        found = []
        for user in existing_users(call.directory, instance, call.now_ms):
            candidate = _candidate(user, call.now_ms, groups)
            if _criteria_match(criteria, candidate) and _filter_match(search_filter, candidate):
                found.append(_summary(user, call.now_ms))
        return found

    page = call.pages.paginate(call.operation, call.params, call.now_ms, matching)
    return page.answer({"Users": page.items, "ApproximateTotalCount": page.total})
