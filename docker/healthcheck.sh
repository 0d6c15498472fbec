#!/bin/sh
# wfm-healthcheck [FILE] [MAX_AGE_SECONDS]: healthy while FILE was touched in the last
# MAX_AGE_SECONDS (default: $WFM_HEALTH_FILE or /tmp/wfm/collector.alive, 120 s).
# The collector (tap-connect-kinesis, setting health_file) touches its file after every poll;
# wfm-every touches its own after every run. Used by the Kubernetes liveness probe and the
# compose healthcheck.
set -eu
file="${1:-${WFM_HEALTH_FILE:-/tmp/wfm/collector.alive}}"
max_age="${2:-${WFM_HEALTH_MAX_AGE:-120}}"
if [ ! -e "$file" ]; then
    echo "unhealthy: $file does not exist" >&2
    exit 1
fi
age=$(( $(date +%s) - $(stat -c %Y "$file") ))
if [ "$age" -gt "$max_age" ]; then
    echo "unhealthy: $file last touched ${age}s ago (limit ${max_age}s)" >&2
    exit 1
fi
echo "healthy: $file touched ${age}s ago"
