#!/bin/sh
# wfm-entrypoint: prepare the writable paths and Meltano's system database, then run the command.
#   IMAGE meltano run wfm-history
#   IMAGE meltano run wfm-adherence
#   IMAGE meltano invoke dbt-postgres:refresh-adherence
# The project in /project is read-only; docs/deployment.md lists the writable paths.
set -eu

project="${MELTANO_PROJECT_ROOT:-/project}"

# Writable scratch space (tmpfs / emptyDir when the root filesystem is read-only).
mkdir -p "${TMPDIR:-/tmp}" "${DBT_TARGET_PATH:-/tmp/dbt/target}" "${DBT_LOG_PATH:-/tmp/dbt/logs}" /tmp/wfm

# Meltano's system database (runs and state) lives in the warehouse, so that any container
# resumes where another stopped: MELTANO_DATABASE_URI, or one built from WFM_PG_*.
if [ "${WFM_SKIP_SYSTEMDB:-false}" != "true" ]; then
    uri="$(/opt/meltano/bin/python /usr/local/lib/wfm/systemdb.py)"
    if [ -n "$uri" ]; then
        MELTANO_DATABASE_URI="$uri"
        export MELTANO_DATABASE_URI
    elif [ "${1:-}" = meltano ] && [ ! -w "$project/.meltano" ]; then
        echo "wfm: neither MELTANO_DATABASE_URI nor WFM_PG_HOST is set, and the project is read-only:" \
             "Meltano has nowhere to keep runs and state" >&2
    fi
fi

# Meltano copies every run's output (already on stdout) into .meltano/logs/elt/<state id>/<run>/
# elt.log, which for the never-ending collector grows for ever: keep each log under
# WFM_LOG_MAX_MB (it is opened for appending, so truncating is safe) and drop logs of
# finished runs after WFM_LOG_KEEP_MINUTES. WFM_LOG_MAX_MB=0 turns this off.
max_mb="${WFM_LOG_MAX_MB:-100}"
case "${1:-} ${2:-}" in
    "meltano run"|wfm-every\ *) long_running=true ;;
    *) long_running=false ;;
esac
if [ "$long_running" = true ] && [ "$max_mb" -gt 0 ] 2>/dev/null && [ -w "$project/.meltano/logs" ]; then
    main_pid=$$    # the command below keeps this PID (exec): the trimmer ends with it
    (
        trap '' TERM INT
        while sleep 60 && kill -0 "$main_pid" 2>/dev/null; do
            find "$project/.meltano/logs" -type f -name '*.log' -size +"$max_mb"M \
                -exec truncate -s 0 {} + || true
            find "$project/.meltano/logs" -type f -name '*.log' -mmin +"${WFM_LOG_KEEP_MINUTES:-1440}" \
                -delete || true
        done
    ) </dev/null >/dev/null 2>&1 &
fi

if [ $# -eq 0 ]; then
    set -- meltano --help
fi
# A Meltano run holds its state ID's run lock in Meltano's system database for its whole life
# (a second run of the same state ID waits; one killed is taken over within seconds, not after
# Meltano's 5 minutes) and stops tap first on SIGTERM, so that its final state is saved
# (docker/graceful.py, docker/runlock.py).
# (WFM_STOP_TAP_FIRST=false: Meltano gets the signal itself; the run lock stays.)
if [ "${1:-} ${2:-}" = "meltano run" ]; then
    exec /opt/meltano/bin/python /usr/local/lib/wfm/graceful.py "$@"
fi
exec "$@"
