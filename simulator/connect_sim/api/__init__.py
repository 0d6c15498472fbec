"""The simulated Amazon Connect REST API (rest-json, as botocore's model describes it).

Entry point: `connect_sim.api.server.start_server(world, host, port)`. Fifteen operations:
ListInstances, DescribeInstance, ListInstanceStorageConfigs, ListQueues, DescribeQueue,
ListRoutingProfiles, ListAgentStatuses, ListUserHierarchyGroups, DescribeUserHierarchyGroup,
ListUsers, DescribeUser, SearchUsers, GetMetricData, GetMetricDataV2, GetCurrentMetricData.

Choices where Connect's documentation leaves room (each explained where it is made):
- NextTokens are opaque and kept server-side with the whole result (pagination.py); those
  of GetMetricData and GetCurrentMetricData expire 5 minutes of wall time after issue.
- Request validation follows the model (validation.py): maximums, enums and types are
  refused with InvalidParameterException (InvalidRequestException for ListInstances, the
  only code it declares), worded as AWS words "N validation error(s) detected".
- Historical figures follow `metrics.attribute` (AWS's rule: by the contact record's
  disconnect time; CONTACTS_QUEUED_BY_ENQUEUE by the enqueue time); V1 and V2 share one
  pipeline (historical.py, measures.py), so they agree. Rows without contacts are omitted.
- GetMetricDataV2 needs EndTime <= now; spans must be under 3 days (FIFTEEN_MIN, THIRTY_MIN,
  HOUR) or 35 days (DAY, WEEK, TOTAL); StartTime no more than 93 days back. Filter keys,
  groupings and metric names are the ones botocore documents (v2_catalog.py); metrics the
  simulation has no figure for are answered without a Value.
- GetCurrentMetricData simulates Queues/Channels filters and QUEUE/CHANNEL groupings only.
- GetMetricData and GetCurrentMetricData refuse the EMAIL channel, GetMetricDataV2 agent
  queues, as their documentation says they do not support them.
"""
