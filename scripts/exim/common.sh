# Shared by start.sh and stop.sh: where the test Exim lives. Sourced, not run.
#
# REPO      the repository root (two levels above this file)
# STATE     the file the tests read: $REPO/target/mta/exim.properties (override: EXIM_STATE_FILE)
# EXIM_DIR  Exim's own tree: the unpacked package, config, spool, log, maildir, certificates.
#           Default /tmp/pipelining-smtp-exim.<checksum of REPO>, a path the unprivileged Exim
#           user can traverse and that `mvn clean` does not delete under a running Exim.
#           Deterministic, so stop.sh finds what start.sh started.
# EXIM      the binary unpacked from Debian's exim4-daemon-light; CONF its configuration file
# PIDFILE   the daemon's pid file (pid_file_path in CONF)
# EXIM_USER the system user and group Exim runs as; Debian's binary is built with
#           EXIM_USER=ref:Debian-exim, so the name is fixed
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
EXIM_DIR="${EXIM_DIR:-/tmp/pipelining-smtp-exim.$(printf '%s' "$REPO" | cksum | cut -d' ' -f1)}"
STATE="${EXIM_STATE_FILE:-$REPO/target/mta/exim.properties}"
EXIM="$EXIM_DIR/pkg/usr/sbin/exim4"
CONF="$EXIM_DIR/etc/exim.conf"
PIDFILE="$EXIM_DIR/run/exim.pid"
EXIM_USER=Debian-exim

# A live process (a zombie, not yet reaped, is not).
alive() {
  kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# This instance's daemon and the processes it forked without exec (SMTP sessions), found by their
# exact command line "$EXIM -C $CONF -bd", never by a process name. Orphans are included: a daemon
# started before is found even when the pid file is gone or names another process.
daemon_pids() {
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    if [[ $(tr '\0' ' ' <"$f" 2>/dev/null) == "$EXIM -C $CONF -bd " ]] && alive "$pid"; then
      echo "$pid"
    fi
  done
}

# The daemon runs: its pid file names a live process with our command line.
running() {
  local pid
  pid=$(head -n1 "$PIDFILE" 2>/dev/null | tr -d ' ' || true)
  [[ -n $pid ]] && alive "$pid" && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == "$EXIM -C $CONF -bd " ]]
}

# SIGTERM to the given pids, then waits up to 10 s for them to exit, then SIGKILL.
stop_pids() {
  local pid left
  [[ $# -gt 0 ]] || return 0
  kill "$@" 2>/dev/null || true
  for _ in $(seq 1 100); do
    left=()
    for pid in "$@"; do
      if alive "$pid"; then left+=("$pid"); fi
    done
    [[ ${#left[@]} -gt 0 ]] || return 0
    sleep 0.1
  done
  echo "[exim] still running after 10 s: ${left[*]}; sending SIGKILL" >&2
  kill -9 "${left[@]}" 2>/dev/null || true
}
