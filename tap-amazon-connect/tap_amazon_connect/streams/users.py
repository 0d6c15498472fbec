"""users: ListUsers every run, DescribeUser only for users new or changed since the last run.

State per instance keeps the bookmark (the newest LastModifiedTime seen) and, under
`known_users`, each listed user's LastModifiedTime and username. A user is described
when it is not known yet or its LastModifiedTime differs from the one recorded (with no
`known_users` in the state, when it is newer than the bookmark), so a run where nothing
changed makes no DescribeUser call. A known user missing from ListUsers has been deleted:
it is emitted once with is_deleted = true (and a null last_modified_time, so the bookmark
is untouched), then forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError
from singer_sdk import typing as th

from .. import clock
from ..windows import from_epoch, iso, parse_datetime
from .base import PerInstanceStream


class UsersStream(PerInstanceStream):
    name = "users"
    primary_keys = ("instance_id", "user_id")
    replication_key = "last_modified_time"
    is_sorted = True
    schema = th.PropertiesList(
        th.Property("instance_id", th.StringType, required=True),
        th.Property("user_id", th.StringType, required=True),
        th.Property("user_arn", th.StringType),
        th.Property("username", th.StringType),
        th.Property("first_name", th.StringType),
        th.Property("last_name", th.StringType),
        th.Property("email", th.StringType),
        th.Property("routing_profile_id", th.StringType),
        th.Property("hierarchy_group_id", th.StringType),
        th.Property("security_profile_ids", th.ArrayType(th.StringType)),
        th.Property("phone_type", th.StringType),
        th.Property("auto_accept", th.BooleanType),
        th.Property("after_contact_work_time_limit_seconds", th.IntegerType),
        th.Property("desk_phone_number", th.StringType),
        th.Property("last_modified_time", th.DateTimeType,
                    description="Null only on the row announcing a deleted user"),
        th.Property("is_deleted", th.BooleanType, required=True),
        th.Property("deleted_detected_at", th.DateTimeType,
                    description="When the tap found the user gone from ListUsers"),
    ).to_dict()

    @property
    def check_sorted(self) -> bool:
        # Changed users are emitted oldest change first; a user created with an older
        # LastModifiedTime than the bookmark is still emitted (and must not fail the run).
        return False

    def get_records(self, context: dict | None) -> Iterable[dict]:
        assert context is not None
        instance_id = context["instance_id"]
        state = self.get_context_state(context)
        known: dict[str, list] | None = state.get("known_users")
        bookmark_value = self.bookmark(context)
        bookmark = parse_datetime(bookmark_value) if bookmark_value else None

        listed = list(self.connect.paginate("ListUsers", "UserSummaryList", InstanceId=instance_id,
                                            MaxResults=1000))
        modified = {u["Id"]: from_epoch(u["LastModifiedTime"]) for u in listed if u.get("LastModifiedTime")}

        def changed(user: dict) -> bool:
            when = modified.get(user["Id"])
            if known is not None:
                return user["Id"] not in known or known[user["Id"]][0] != (iso(when) if when else None)
            return bookmark is None or when is None or when > bookmark

        to_describe = sorted((u for u in listed if changed(u)),
                             key=lambda u: (modified.get(u["Id"]) or from_epoch(0), u["Id"]))
        self.logger.info("users of %s: %d listed, %d new or changed", instance_id, len(listed), len(to_describe))
        for summary in to_describe:
            try:
                user = self.connect.call("DescribeUser", InstanceId=instance_id, UserId=summary["Id"])["User"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
                # deleted between ListUsers and DescribeUser: known as listed, so the next
                # run, not finding it, announces the deletion
                self.logger.info("user %s of %s vanished while being read", summary["Id"], instance_id)
                continue
            yield self._row(instance_id, user)

        listed_ids = {u["Id"] for u in listed}
        now = iso(clock.now())
        for user_id, (_, username) in sorted((known or {}).items()):
            if user_id not in listed_ids:
                yield {"instance_id": instance_id, "user_id": user_id, "username": username,
                       "last_modified_time": None, "is_deleted": True, "deleted_detected_at": now}

        state["known_users"] = {
            u["Id"]: [iso(modified[u["Id"]]) if u["Id"] in modified else None, u.get("Username")]
            for u in sorted(listed, key=lambda u: u["Id"])
        }

    @staticmethod
    def _row(instance_id: str, user: dict[str, Any]) -> dict:
        identity = user.get("IdentityInfo") or {}
        phone = user.get("PhoneConfig") or {}
        modified_at = user.get("LastModifiedTime")
        return {
            "instance_id": instance_id,
            "user_id": user["Id"],
            "user_arn": user.get("Arn"),
            "username": user.get("Username"),
            "first_name": identity.get("FirstName"),
            "last_name": identity.get("LastName"),
            "email": identity.get("Email"),
            "routing_profile_id": user.get("RoutingProfileId"),
            "hierarchy_group_id": user.get("HierarchyGroupId"),
            "security_profile_ids": list(user.get("SecurityProfileIds") or []),
            "phone_type": phone.get("PhoneType"),
            "auto_accept": phone.get("AutoAccept"),
            "after_contact_work_time_limit_seconds": phone.get("AfterContactWorkTimeLimit"),
            "desk_phone_number": phone.get("DeskPhoneNumber"),
            "last_modified_time": iso(from_epoch(modified_at)) if modified_at is not None else None,
            "is_deleted": False,
            "deleted_detected_at": None,
        }
