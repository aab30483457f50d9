#!/usr/bin/env bash
# Run ztoq from cron (or any scheduler): never two at once, a log file per run, ztoq's exit status passed through.
#
#   scripts/ztoq-cron.sh [ZTOQ ARGUMENTS...]      (default: workflow run)
#
# Settings and secrets come as for ztoq itself: ZTOQ_CONFIG (a config file readable only by you) or ZTOQ_*
# variables; see config/ztoq.crontab for an example entry. No terminal is assumed: stdin is /dev/null, so ztoq
# never waits for an answer, and progress is written as timestamped lines.
#
#   ZTOQ_BIN           the ztoq program (default: ztoq on PATH, else .venv/bin/ztoq next to this script)
#   ZTOQ_CRON_DIR      where the lock and the logs go (default: $XDG_STATE_HOME/ztoq/cron, else
#                      ~/.local/state/ztoq/cron)
#   ZTOQ_CRON_KEEP     how many run logs to keep (default 100; older ones are deleted)
#
# Exit status: ztoq's own (0 done, 1 failed, 2 configuration, ... see README), or
#   75  another run started through this script still holds the lock: nothing was started (try again later)
#   70  the lock or log directory cannot be used
# Quiet on success; on failure one line naming the exit status and the log goes to stderr (cron mails it).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${XDG_STATE_HOME:-}"
[[ "$state" == /* ]] || state="$HOME/.local/state"
dir="${ZTOQ_CRON_DIR:-$state/ztoq/cron}"
keep="${ZTOQ_CRON_KEEP:-100}"
bin="${ZTOQ_BIN:-$(command -v ztoq || echo "$here/../.venv/bin/ztoq")}"
[[ $# -gt 0 ]] || set -- workflow run

if ! mkdir -p "$dir/logs" 2>/dev/null || ! : >>"$dir/ztoq-cron.lock" 2>/dev/null; then
    echo "ztoq-cron: cannot use $dir for the lock and logs; expected a writable directory (ZTOQ_CRON_DIR)" >&2
    exit 70
fi
exec 9>>"$dir/ztoq-cron.lock"
if ! flock --nonblock 9; then
    echo "ztoq-cron: another run still holds $dir/ztoq-cron.lock; nothing started (exit 75: try again later)" >&2
    exit 75
fi

log="$dir/logs/ztoq-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
(
    echo "ztoq-cron: started $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname): ztoq $1 ${2:-}"
    "$bin" "$@" </dev/null  # ztoq inherits the lock: it is held while any process of the run lives
    status=$?
    echo "ztoq-cron: finished $(date -u +%Y-%m-%dT%H:%M:%SZ) with exit status $status"
    exit "$status"
) >"$log" 2>&1
status=$?

ls -1t "$dir"/logs/ztoq-*.log 2>/dev/null | tail -n "+$((keep + 1))" | while read -r old; do rm -f -- "$old"; done
if [[ $status -ne 0 ]]; then
    echo "ztoq-cron: ztoq $1 ${2:-} exited with status $status; log: $log" >&2
fi
exit "$status"
