#!/usr/bin/env bash
# Starts a private Exim 4 on 127.0.0.1 for the interoperability tests (tag "mta"), beside the
# private Postfix of scripts/mta/start.sh.
#
#   scripts/exim/start.sh         unpack Exim if missing (needs root), configure, start
#   scripts/exim/stop.sh          stop it again
#
# Idempotent: a second start while it runs only re-writes the state file. Every Debian MTA package
# conflicts with every other (Conflicts: mail-transport-agent), and Postfix is the one installed
# with apt, so Exim is never installed: `apt-get download exim4-daemon-light` and `dpkg-deb -x`
# unpack its binary into $EXIM_DIR/pkg, and only the shared libraries it Depends on are installed
# with apt (they do not conflict). The user and group Debian-exim, which Debian's postinst would
# create, are created here if missing. The daemon runs as `exim4 -C $EXIM_DIR/etc/exim.conf -bd`
# with its own spool, log and pid file, listening on 127.0.0.1 on a free port >= 20000.
#
# Nothing is relayed: recipients at example.net and mail.test are delivered at once (a delivery
# process forked per message, never queued) by an appendfile transport into one maildir
# ($EXIM_DIR/mail/all/new), one file per recipient with Return-path, Envelope-to and Delivered-To,
# written as Debian-exim (Exim gives up root for a -C config that is not in its trusted list).
# Every recipient at refused.test is refused at RCPT with "550 5.1.1 <addr>: User unknown", any
# other domain with "550 5.7.1 <addr>: Relay access denied".
# A message with a header line "X-Test-Refuse: data" is refused at end of data (DATA or BDAT LAST)
# with "550 5.7.1 refused at end of data by test rule". STARTTLS offers a certificate for
# localhost / mail.test / 127.0.0.1 issued by a test CA generated here.
#
# A second listener on another free port (limitedPort) is the same Exim with one difference:
# smtp_accept_max_per_connection is $LIMITED_MESSAGES (3) there, so Exim answers the 4th MAIL FROM of a
# session with 421 and ends the session (a server-ended session, for the fault tests); the main port
# has no such limit.
#
# Writes $REPO/target/mta/exim.properties: host, port, limitedPort, limitedMessages, caCert, maildir,
# dir, name=exim (read by the tests). Needs root (apt-get, useradd, and Exim's daemon starts as root and drops privileges).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log() { echo "[exim] $*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  echo "[exim] start.sh needs root (apt-get, useradd, exim daemon); try: sudo $0" >&2
  exit 1
fi

# apt-get that waits (bounded) for a dpkg/apt lock another process holds.
apt_get() {
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 "$@"
}

# The binary of exim4-daemon-light in $EXIM_DIR/pkg, and the libraries it needs.
unpack_exim() {
  local pkg=$EXIM_DIR/pkg deb
  if [[ -x $EXIM ]] && ! ldd "$EXIM" | grep -q 'not found'; then
    return
  fi
  mkdir -p "$pkg/deb"
  deb=$(ls "$pkg"/deb/exim4-daemon-light_*.deb 2>/dev/null | head -n 1 || true)
  if [[ -z $deb ]]; then
    log "downloading exim4-daemon-light from the Debian archive"
    # apt-get download writes into the current directory, which the sandbox user _apt cannot
    if ! (cd "$pkg/deb" && apt_get -o APT::Sandbox::User=root download exim4-daemon-light >&2); then
      log "apt-get download failed; running apt-get update once and retrying"
      apt_get update >&2
      (cd "$pkg/deb" && apt_get -o APT::Sandbox::User=root download exim4-daemon-light >&2)
    fi
    deb=$(ls "$pkg"/deb/exim4-daemon-light_*.deb | head -n 1)
  fi
  dpkg-deb -x "$deb" "$pkg"
  # Depends, without exim4-base (its scripts are not needed, and it would pull exim4-config) and
  # without version constraints; of alternatives "a | b" the first, unless one is installed.
  local depends dep alt chosen missing=()
  depends=$(dpkg-deb -f "$deb" Depends)
  IFS=',' read -r -a deps <<<"$depends"
  for dep in "${deps[@]}"; do
    chosen=""
    IFS='|' read -r -a alts <<<"$dep"
    for alt in "${alts[@]}"; do
      alt=$(sed -E 's/\(.*\)//; s/[[:space:]]//g; s/:any$//' <<<"$alt")
      [[ -z $chosen ]] && chosen=$alt
      if dpkg-query -W -f='${Status}' "$alt" 2>/dev/null | grep -q 'install ok installed'; then
        chosen=""
        break
      fi
    done
    if [[ -n $chosen && $chosen != exim4-base ]]; then
      missing+=("$chosen")
    fi
  done
  if ! command -v openssl >/dev/null; then
    missing+=(openssl)
  fi
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing Exim's libraries: ${missing[*]}"
    if ! apt_get install -y --no-install-recommends "${missing[@]}" >&2; then
      log "apt-get install failed; running apt-get update once and retrying"
      apt_get update >&2
      apt_get install -y --no-install-recommends "${missing[@]}" >&2
    fi
  fi
  if ldd "$EXIM" | grep 'not found' >&2; then
    log "$EXIM still misses shared libraries (above)"
    exit 1
  fi
}

# The system user and group Debian's postinst would create.
make_user() {
  if ! getent group "$EXIM_USER" >/dev/null; then
    groupadd --system "$EXIM_USER"
  fi
  if ! getent passwd "$EXIM_USER" >/dev/null; then
    useradd --system --gid "$EXIM_USER" --home-dir /var/spool/exim4 --no-create-home \
      --shell /usr/sbin/nologin --comment "Exim (scripts/exim/start.sh)" "$EXIM_USER"
  fi
}

source "$(dirname "${BASH_SOURCE[0]}")/../lib/free-port.sh"

source "$(dirname "${BASH_SOURCE[0]}")/../lib/test-ca.sh"

# The test CA recipe shared with scripts/mta/start.sh, with a CA of its own.
make_certificates() {
  make_test_ca "$EXIM_DIR/tls" || return 0
  # Exim reads the key after dropping root: readable by its group only
  chown "root:$EXIM_USER" "$EXIM_DIR/tls/server.key"
  chmod 640 "$EXIM_DIR/tls/server.key"
}

# Messages Exim takes per session on the second listener (limitedPort) before its 421.
LIMITED_MESSAGES=3

write_config() {
  local port=$1 gid=$2 limited=$3
  mkdir -p "$EXIM_DIR/etc" "$EXIM_DIR/spool" "$EXIM_DIR/log" "$EXIM_DIR/run" "$EXIM_DIR/mail/all"
  chown "$EXIM_USER:$EXIM_USER" "$EXIM_DIR/spool" "$EXIM_DIR/log" "$EXIM_DIR/run"
  chmod 750 "$EXIM_DIR/spool"
  chmod 755 "$EXIM_DIR/log" "$EXIM_DIR/run"
  # Exim writes as its own user; the owner's group may remove files (the soak runner does)
  mkdir -p "$EXIM_DIR/mail/all/tmp" "$EXIM_DIR/mail/all/new" "$EXIM_DIR/mail/all/cur"
  chown -R "$EXIM_USER:$gid" "$EXIM_DIR/mail"
  chmod 755 "$EXIM_DIR" "$EXIM_DIR/mail"
  chmod 2775 "$EXIM_DIR/mail/all" "$EXIM_DIR/mail/all/tmp" "$EXIM_DIR/mail/all/new" "$EXIM_DIR/mail/all/cur"
  # Config is read by root (daemon) and by the Exim user (re-executed delivery processes).
  cat > "$CONF" <<CF
# Written by scripts/exim/start.sh; a private instance for tests. Do not edit: re-generated on start.

primary_hostname = mail.test
qualify_domain = mail.test
exim_path = $EXIM
exim_user = $EXIM_USER
exim_group = $EXIM_USER
never_users = root
# Exim gives up root for a config given with -C that is not in its TRUSTED_CONFIG_LIST
# (/etc/exim4/trusted_configs, left alone here): it re-executes itself for each delivery as the
# Exim user, so deliveries run as that user, and it never tries to regain root.
deliver_drop_privilege = true
keep_environment =
spool_directory = $EXIM_DIR/spool
log_file_path = $EXIM_DIR/log/%slog
pid_file_path = $PIDFILE
log_selector = +smtp_protocol_error +smtp_syntax_error +pipelining +tls_cipher +smtp_connection +received_recipients

# Listening
daemon_smtp_ports = $port : $limited
local_interfaces = <; 127.0.0.1
disable_ipv6 = true
# fail at once when the port is taken (start.sh then picks another) instead of retrying for minutes
daemon_startup_retries = 0

# Nothing that slows a test client down: no DNS, no ident, no error limits, no parallel limits
host_lookup =
rfc1413_hosts =
rfc1413_query_timeout = 0s
smtp_max_synprot_errors = 10000
smtp_max_unknown_commands = 10000
# Exim counts every RSET after the first since the last message it took as a non-mail command and
# drops the session after smtp_accept_max_nonmail (10). The differential test refuses about one
# message in four on purpose, so this sink, like the Postfix one (smtpd_junk_command_limit), lifts
# that limit: no host is counted. The README says what a default Exim does.
smtp_accept_max_nonmail_hosts =
smtp_accept_max = 200
smtp_accept_max_per_host = 200
smtp_accept_reserve = 0
smtp_connect_backlog = 128
# Expanded per session (Exim 4.95 and later): the limited listener takes $LIMITED_MESSAGES messages a
# session, then answers MAIL FROM with 421 and closes; the main port has no practical limit
smtp_accept_max_per_connection = \${if =={\$received_port}{$limited}{$LIMITED_MESSAGES}{1000000}}
smtp_accept_queue_per_connection = 1000000
smtp_accept_queue = 0
smtp_receive_timeout = 5m
check_spool_space = 0
check_log_space = 0
# deliver at once, in a process forked by the receiving one; never just queue
queue_only = false

# Extensions, to every client
pipelining_advertise_hosts = *
chunking_advertise_hosts = *
accept_8bitmime = true
smtputf8_advertise_hosts = *
dsn_advertise_hosts = *
message_size_limit = 50M
recipients_max = 0

# STARTTLS with the test CA's certificate
tls_advertise_hosts = *
tls_certificate = $EXIM_DIR/tls/server.crt
tls_privatekey = $EXIM_DIR/tls/server.key

# Bounces go nowhere (no router routes them); drop them instead of freezing
ignore_bounce_errors_after = 0s
timeout_frozen_after = 1h

acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data

begin acl

acl_check_rcpt:
  accept domains = example.net : mail.test
  deny   domains = refused.test
         message = 550 5.1.1 <\$local_part@\$domain>: User unknown
  deny   message = 550 5.7.1 <\$local_part@\$domain>: Relay access denied

# Runs at end of data, after DATA's final dot and after BDAT LAST alike
acl_check_data:
  deny   condition = \${if match{\$h_X-Test-Refuse:}{\N^data\N}}
         message = 550 5.7.1 refused at end of data by test rule
  accept

begin routers

maildir_all:
  driver = accept
  domains = example.net : mail.test
  transport = maildir_all

begin transports

maildir_all:
  driver = appendfile
  directory = $EXIM_DIR/mail/all
  maildir_format
  create_directory
  directory_mode = 0755
  mode = 0644
  user = $EXIM_USER
  group = $EXIM_USER
  delivery_date_add = false
  envelope_to_add
  return_path_add
  headers_add = Delivered-To: \$local_part@\$domain

begin retry

*   *   F,1h,1m

begin rewrite
CF
  chmod 644 "$CONF"
}

write_state() {
  local port=$1 limited=$2
  mkdir -p "$(dirname "$STATE")"
  cat > "$STATE.tmp" <<P
# Written by scripts/exim/start.sh; read by the interoperability tests (tag "mta").
name=exim
host=127.0.0.1
port=$port
limitedPort=$limited
limitedMessages=$LIMITED_MESSAGES
caCert=$EXIM_DIR/tls/ca.crt
maildir=$EXIM_DIR/mail/all
dir=$EXIM_DIR
P
  mv "$STATE.tmp" "$STATE"
}

mkdir -p "$EXIM_DIR"
chmod 755 "$EXIM_DIR"
unpack_exim
make_user

if running; then
  read -r port limited <"$EXIM_DIR/port"
  log "already running in $EXIM_DIR on 127.0.0.1:$port (limited listener :$limited)"
  write_state "$port" "$limited"
  exit 0
fi
# a daemon of an earlier start that lost its pid file (or still waits to bind): stop it first
mapfile -t pids < <(daemon_pids)
if [[ ${#pids[@]} -gt 0 ]]; then
  log "stopping stray processes of this instance: ${pids[*]}"
  stop_pids "${pids[@]}"
fi

# The maildir's group: the repository owner's (as for Postfix's maildir), so tests may clean it.
owner=$(stat -c %u "$REPO")
if [[ ${SUDO_UID:-0} -ge 100 ]]; then owner=$SUDO_UID; fi
if [[ $owner -lt 100 ]]; then owner=$(id -u nobody); fi
group=$(getent passwd "$owner" | cut -d: -f4 || true)
group=${group:-$(id -g nobody)}

make_certificates
# Exim's -bd forks first and binds in the background child, so its exit status says nothing: a
# daemon that cannot bind the port logs "daemon abandoned" (no startup retries) and exits. Then
# try another port.
for attempt in 1 2 3 4 5; do
  port=$(free_port)
  limited=$(free_port)
  while [[ $limited == "$port" ]]; do limited=$(free_port); done
  write_config "$port" "$group" "$limited"
  echo "$port $limited" > "$EXIM_DIR/port"
  rm -f "$EXIM_DIR"/log/*log "$PIDFILE"
  "$EXIM" -C "$CONF" -bV >"$EXIM_DIR/version.txt" 2>&1 || { cat "$EXIM_DIR/version.txt" >&2; exit 1; }
  "$EXIM" -C "$CONF" -bd >&2 || true
  # Wait until the daemon answers on the port.
  for _ in $(seq 1 100); do
    if running && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
        && (exec 3<>"/dev/tcp/127.0.0.1/$limited") 2>/dev/null; then
      write_state "$port" "$limited"
      log "$(head -n1 "$EXIM_DIR/version.txt" | sed -E 's/ #.*//; s/ built.*//') running in $EXIM_DIR on 127.0.0.1:$port, limited listener :$limited (state: $STATE)"
      exit 0
    fi
    if grep -qs 'daemon abandoned' "$EXIM_DIR"/log/*log; then
      break
    fi
    sleep 0.1
  done
  if ! grep -qs 'daemon abandoned' "$EXIM_DIR"/log/*log; then
    break
  fi
  log "exim could not listen on 127.0.0.1:$port or :$limited (attempt $attempt); trying other ports"
  mapfile -t pids < <(daemon_pids)
  stop_pids "${pids[@]}"
done
log "exim did not start listening; log follows"
cat "$EXIM_DIR"/log/*log >&2 || true
mapfile -t pids < <(daemon_pids)
stop_pids "${pids[@]}"
exit 1
