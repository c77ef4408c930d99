# Shared by start.sh and stop.sh: where the test PostgreSQL lives. Sourced, not run.
#
# REPO     the repository root (two levels above this file)
# PG_DIR   the private cluster (data/, run/ for the socket, postgres.log, port): $REPO/target/postgres,
#          or, when started by root, /tmp/pipelining-smtp-postgres-<hash of $REPO>, since the
#          unprivileged server user may not be able to reach a checkout under a private directory
#          (a clone in a mktemp directory or under /root); do not run `mvn clean` while it runs
# STATE    the file the tests read: $REPO/target/postgres/postgres.properties (host, port, db, user,
#          password, url, dir)
# PG_BIN   Debian's PostgreSQL binaries (the newest /usr/lib/postgresql/*/bin)
# PG_USER  the unprivileged system user the server runs as when started by root (postgres refuses root)
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ $(id -u) -eq 0 ]]; then
  PG_DIR="${PG_DIR:-/tmp/pipelining-smtp-postgres-$(printf '%s' "$REPO" | md5sum | cut -c1-12)}"
else
  PG_DIR="${PG_DIR:-$REPO/target/postgres}"
fi
STATE_DIR="$REPO/target/postgres"
STATE="$STATE_DIR/postgres.properties"
DATA="$PG_DIR/data"
PG_USER="${PG_USER:-postgres}"
DB_NAME=smtp_pipelining
DB_USER=smtp
DB_PASSWORD=smtp-test-only

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# as_pg CMD...: runs CMD as the cluster's owner (PG_USER when root, else the current user)
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}
