#!/usr/bin/env bash
# Stops the Exim daemon started by start.sh (found by its pid file and its config file on the
# command line, never by a process name). Idempotent: succeeds when nothing runs. KEEP=1 keeps
# $EXIM_DIR (maildir, log, unpacked package).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log() { echo "[exim] $*" >&2; }

pid=$(head -n1 "$PIDFILE" 2>/dev/null | tr -d ' ' || true)
if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CONF"; then
  # SIGTERM: the daemon stops listening and exits; sessions and deliveries it forked finish alone
  kill "$pid" || true
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "daemon $pid still running after 10 s; sending it SIGKILL"
    kill -9 "$pid" || true
  fi
  log "stopped exim in $EXIM_DIR"
else
  log "no exim running in $EXIM_DIR"
fi
rm -f "$STATE"
if [[ ${KEEP:-0} != 1 && -d $EXIM_DIR ]]; then
  rm -rf "$EXIM_DIR"
fi
