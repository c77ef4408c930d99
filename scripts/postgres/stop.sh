#!/usr/bin/env bash
# Stops the PostgreSQL cluster started by start.sh (found by its data directory, never by a process
# name). Idempotent: succeeds when nothing runs. KEEP=1 keeps the cluster and its port for a later
# start.sh (and the state file, which then names a server that is down); otherwise the cluster
# and the state file are removed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log() { echo "[postgres] $*" >&2; }

BIN=$(pg_bin)
if [[ -f $DATA/PG_VERSION && -n $BIN ]]; then
  if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2
    log "stopped the cluster in $DATA"
  else
    log "no cluster running in $DATA"
  fi
fi
if [[ ${KEEP:-0} != 1 ]]; then
  rm -f "$STATE"
  rm -rf "$PG_DIR"
  rmdir "$STATE_DIR" 2>/dev/null || true
fi
