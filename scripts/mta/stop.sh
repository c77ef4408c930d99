#!/usr/bin/env bash
# Stops the Postfix instance started by start.sh (found by its config directory, never by a
# process name). Idempotent: succeeds when nothing runs. KEEP=1 keeps $MTA_DIR (maildir, log).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log() { echo "[mta] $*" >&2; }

if [[ -f $CONF/main.cf ]] && command -v postfix >/dev/null; then
  if postfix -c "$CONF" status >/dev/null 2>&1; then
    pid=$(head -n1 "$MTA_DIR/spool/pid/master.pid" 2>/dev/null | tr -d ' ' || true)
    postfix -c "$CONF" stop >&2 || true
    # `postfix stop` signals the master and returns; wait for this master (its pid file) to exit.
    for _ in $(seq 1 100); do
      if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then break; fi
      sleep 0.1
    done
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      log "master $pid still running after 10 s; sending it SIGKILL"
      kill -9 "$pid" || true
    fi
    log "stopped postfix in $MTA_DIR"
  else
    log "no postfix running in $MTA_DIR"
  fi
fi
rm -f "$STATE"
if [[ ${KEEP:-0} != 1 && -d $MTA_DIR ]]; then
  rm -rf "$MTA_DIR"
fi
