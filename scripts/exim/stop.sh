#!/usr/bin/env bash
# Stops the Exim daemon started by start.sh (found by its pid file and its exact command line
# "exim4 -C $EXIM_DIR/etc/exim.conf -bd", never by a process name), with the SMTP sessions it forked.
# Idempotent: succeeds when nothing runs. KEEP=1 keeps $EXIM_DIR (maildir, log, unpacked package).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log() { echo "[exim] $*" >&2; }

# SIGTERM: the daemon stops listening and exits; deliveries it started finish on their own
mapfile -t pids < <(daemon_pids)
if [[ ${#pids[@]} -gt 0 ]]; then
  stop_pids "${pids[@]}"
  log "stopped exim in $EXIM_DIR"
else
  log "no exim running in $EXIM_DIR"
fi
rm -f "$STATE"
if [[ ${KEEP:-0} != 1 && -d $EXIM_DIR ]]; then
  rm -rf "$EXIM_DIR"
fi
