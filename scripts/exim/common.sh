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
