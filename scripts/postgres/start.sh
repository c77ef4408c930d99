#!/usr/bin/env bash
# Starts a private PostgreSQL on 127.0.0.1 for the shared rate limit's tests (tag "postgres").
#
#   scripts/postgres/start.sh     install PostgreSQL if missing (needs root), create the cluster, start
#   scripts/postgres/stop.sh      stop it again (KEEP=1 keeps the cluster for a later start)
#
# Idempotent: a second start while it runs only re-writes the state file; a start after
# `KEEP=1 stop.sh` starts the same cluster on the same port (the tests stop and restart it mid-run).
# Installs Debian's postgresql package without letting it create or start the system cluster, then
# runs a cluster of its own (initdb, pg_ctl; where: PG_DIR in common.sh), as the system user
# "postgres" when run by root (the server refuses to run as root), listening on 127.0.0.1 only, on a
# free port >= 20000, password authentication (scram-sha-256) for the user "smtp" and the
# database "smtp_pipelining".
#
# Writes $REPO/target/postgres/postgres.properties: host, port, db, user, password, url (read by the tests).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$REPO/scripts/lib/free-port.sh"

log() { echo "[postgres] $*" >&2; }

install_postgres() {
  if [[ -n $(pg_bin) && -x $(pg_bin)/initdb ]]; then
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    log "PostgreSQL is not installed and installing it needs root; try: sudo $0"
    exit 1
  fi
  log "installing postgresql from the Debian archive"
  # Keep the package from starting a service or creating the system's main cluster.
  local policy=/usr/sbin/policy-rc.d created_policy=no
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=yes
  fi
  mkdir -p /etc/postgresql-common
  if ! grep -qs '^create_main_cluster *= *false' /etc/postgresql-common/createcluster.conf; then
    echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf
  fi
  local apt=(apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold postgresql)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" >&2; then
    log "apt-get install failed; running apt-get update once and retrying"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" >&2
  fi
  if [[ $created_policy == yes ]]; then
    rm -f "$policy"
  fi
}

# listening_on PORT: whether a socket LISTENs (state 0A) on PORT, any address (/proc/net/tcp{,6})
listening_on() {
  local hex
  hex=$(printf ':%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null \
    | awk -v h="$hex" '$4 == "0A" && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }'
}

running() {
  [[ -f $DATA/PG_VERSION ]] && as_pg "$(pg_bin)/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

install_postgres
BIN=$(pg_bin)
mkdir -p "$PG_DIR/run"
if [[ $(id -u) -eq 0 ]]; then
  chown "$PG_USER" "$PG_DIR" "$PG_DIR/run"
fi

if [[ ! -f $DATA/PG_VERSION ]]; then
  log "creating a cluster in $DATA"
  pwfile=$(mktemp)
  printf '%s\n' "$DB_PASSWORD" > "$pwfile"
  chmod 644 "$pwfile"
  as_pg "$BIN/initdb" -D "$DATA" -U "$DB_USER" --pwfile="$pwfile" -A scram-sha-256 -E UTF8 --no-locale >&2
  rm -f "$pwfile"
fi

port_file="$PG_DIR/port"
if running; then
  port=$(cat "$port_file")
  log "already running on 127.0.0.1:$port"
else
  port=""
  if [[ -f $port_file ]]; then
    # The same port again, so that clients holding the old URL (the tests' pools) find it: the
    # server binds with SO_REUSEADDR, so only a socket LISTENing on the port is in the way, not the
    # FIN_WAIT2 / TIME_WAIT sockets its own connections leave behind for up to 60 s after a stop.
    # (An earlier check took those for "in use" and moved the server to a new port, whenever it saw
    # them: its `awk | grep -q` under pipefail missed a match followed by a few KB of the socket
    # table, grep's early exit failing awk with SIGPIPE; the outage test's pool then never found the
    # server again.) listening_on reads the whole table in awk: no early exit, no SIGPIPE.
    port=$(cat "$port_file")
    if listening_on "$port"; then
      log "port $port (the cluster's last) has another listener: moving to a new port; clients holding the old URL will not find it"
      port=""
    fi
  fi
  port=${port:-$(free_port)}
  echo "$port" > "$port_file"
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_DIR/run -c fsync=off" start >&2
  log "started on 127.0.0.1:$port ($DATA)"
fi

export PGPASSWORD=$DB_PASSWORD
if ! "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME"
fi

mkdir -p "$STATE_DIR"
cat > "$STATE" <<PROPS
host=127.0.0.1
port=$port
db=$DB_NAME
user=$DB_USER
password=$DB_PASSWORD
url=jdbc:postgresql://127.0.0.1:$port/$DB_NAME
dir=$PG_DIR
PROPS
log "state in $STATE"
