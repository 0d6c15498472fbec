#!/bin/sh
# wfm-every [--offset SECONDS] PERIOD COMMAND...: run COMMAND now, then at every multiple of
# PERIOD seconds (plus the offset) of the clock, for ever; runs never overlap (a run longer than
# the period is followed by the next at once).
#   wfm-every 60 meltano run wfm-adherence-marts                 every minute
#   wfm-every --offset 360 900 meltano run wfm-history           6, 21, 36, 51 past the hour
# After each run it touches $WFM_LOOP_HEALTH_FILE (default /tmp/wfm/loop.alive), so a liveness
# probe (wfm-healthcheck /tmp/wfm/loop.alive 900) sees the loop turning.
# SIGTERM/SIGINT: the run in hand gets SIGTERM and is waited for, then the loop ends (status 0).
set -u
offset=0
if [ "${1:-}" = --offset ]; then
    offset="$2"
    shift 2
fi
if [ $# -lt 2 ]; then
    echo "usage: wfm-every [--offset SECONDS] PERIOD COMMAND..." >&2
    exit 2
fi
period="$1"
shift
health="${WFM_LOOP_HEALTH_FILE:-/tmp/wfm/loop.alive}"
mkdir -p "$(dirname "$health")"
stopping=0
child=0
on_signal() {
    stopping=1
    if [ "$child" -ne 0 ]; then
        kill -TERM "$child" 2>/dev/null || true
    fi
}
trap on_signal TERM INT

while [ "$stopping" -eq 0 ]; do
    "$@" &
    child=$!
    # wait returns early when a signal arrives: wait again until the run has ended.
    while :; do
        wait "$child"
        status=$?
        kill -0 "$child" 2>/dev/null || break
    done
    child=0
    touch "$health"
    [ "$status" -eq 0 ] || echo "wfm-every: '$*' exited with status $status" >&2
    [ "$stopping" -eq 0 ] || break
    now=$(date +%s)
    sleep $(( period - (now - offset) % period )) &
    child=$!
    wait "$child" 2>/dev/null
    child=0
done
exit 0
