#!/usr/bin/env bash
# Starts a private Postfix on 127.0.0.1 for the interoperability tests (tag "mta").
#
#   scripts/mta/start.sh          install Postfix if missing (needs root), configure, start
#   scripts/mta/stop.sh           stop it again
#
# Idempotent: a second start while it runs only re-writes the state file. Installs Debian's
# postfix package without letting it configure or start the system service, then runs an
# instance of its own: `postfix -c $MTA_DIR/etc start`, with its own config, queue and data
# directories, listening on 127.0.0.1 on a free port >= 20000. Nothing is relayed: the domains
# example.net and mail.test are delivered by the virtual(8) agent into one maildir
# ($MTA_DIR/mail/all/{new,cur}), every recipient at refused.test is refused at RCPT with
# Postfix's own "550 5.1.1 ... User unknown in virtual mailbox table", any other domain gets
# "554 5.7.1 Relay access denied", and the default transport is error(8). STARTTLS offers a
# certificate for localhost / mail.test / 127.0.0.1 issued by a test CA generated here.
#
# A message with a header line "X-Test-Refuse: data" is refused at end of data (DATA or BDAT LAST)
# by a header_checks rule: "550 5.7.1 refused at end of data by test rule" (scripts/exim/start.sh
# has the same rule).
#
# Writes $REPO/target/mta/mta.properties: name=postfix, host, port, caCert, maildir, dir (read by
# the tests).
# Needs root (Postfix's master runs as root).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log() { echo "[mta] $*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  echo "[mta] start.sh needs root (apt-get, postfix master); try: sudo $0" >&2
  exit 1
fi

install_postfix() {
  if [[ -x /usr/sbin/postfix && -x /usr/lib/postfix/sbin/master ]]; then
    return
  fi
  log "installing postfix from the Debian archive"
  # Keep the package from starting the system service, and from writing /etc/postfix/main.cf.
  local policy=/usr/sbin/policy-rc.d created_policy=no
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=yes
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postfix openssl >&2; then
    log "apt-get install failed; running apt-get update once and retrying"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postfix openssl >&2
  fi
  if [[ $created_policy == yes ]]; then
    rm -f "$policy"
  fi
}

running() {
  [[ -f $CONF/main.cf ]] && postfix -c "$CONF" status >/dev/null 2>&1
}

source "$(dirname "${BASH_SOURCE[0]}")/../lib/free-port.sh"

source "$(dirname "${BASH_SOURCE[0]}")/../lib/test-ca.sh"

make_certificates() {
  make_test_ca "$MTA_DIR/tls" || return 0
  chmod 600 "$MTA_DIR/tls/server.key"
}

write_config() {
  local port=$1 uid=$2 gid=$3
  mkdir -p "$CONF" "$MTA_DIR/spool" "$MTA_DIR/data" "$MTA_DIR/mail"
  chown postfix:postfix "$MTA_DIR/data"
  chown "$uid:$gid" "$MTA_DIR/mail"
  chmod 755 "$MTA_DIR" "$MTA_DIR/mail"
  cat > "$CONF/main.cf" <<CF
# Written by scripts/mta/start.sh; a private instance for tests. Do not edit: re-generated on start.
compatibility_level = 3.6
config_directory = $CONF
queue_directory = $MTA_DIR/spool
data_directory = $MTA_DIR/data
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = $MTA_DIR
maillog_file = $MTA_DIR/maillog
syslog_name = postfix-test

myhostname = mail.test
mydomain = mail.test
myorigin = mail.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_bind_address = 127.0.0.1

# Never relay, never deliver anywhere but the maildir
mynetworks = 127.0.0.1/32
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = reject_unauth_destination
relay_domains =
default_transport = error:test MTA does not relay
relay_transport = error:test MTA does not relay
local_transport = error:test MTA has no local delivery
alias_maps =
alias_database =
notify_classes =
bounce_notice_recipient = postmaster
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 0

# Delivery: every accepted recipient into one maildir; Postfix adds Return-Path and Delivered-To
virtual_mailbox_domains = example.net, mail.test, refused.test
virtual_mailbox_maps = regexp:$CONF/virtual_mailbox
virtual_mailbox_base = $MTA_DIR/mail
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 100
virtual_destination_concurrency_limit = 20
smtpd_reject_unlisted_recipient = yes

# Nothing that slows a test client down
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 10000
smtpd_hard_error_limit = 10000
smtpd_junk_command_limit = 10000
in_flow_delay = 0
smtpd_peername_lookup = no
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
smtpd_delay_reject = yes
smtpd_helo_required = no
disable_vrfy_command = yes
biff = no
append_dot_mydomain = no
# do not rewrite or add headers of mail from our clients (Date, Message-Id, From)
local_header_rewrite_clients =
# the end-of-data refusal the tests provoke with a header (cleanup(8), so DATA and BDAT LAST alike)
header_checks = regexp:$CONF/header_checks

# STARTTLS with the test CA's certificate
smtpd_tls_security_level = may
smtpd_tls_cert_file = $MTA_DIR/tls/server.crt
smtpd_tls_key_file = $MTA_DIR/tls/server.key
smtpd_tls_session_cache_database =
smtpd_tls_loglevel = 0
tls_random_source = dev:/dev/urandom
CF
  # every address except those at refused.test maps to the maildir "all/"
  cat > "$CONF/virtual_mailbox" <<'MAP'
/@refused\.test$/	REJECT-NOT-A-MAILBOX
!/@refused\.test$/	all/
MAP
  # refused.test: a lookup must miss for Postfix to say "User unknown"; drop the first line
  sed -i '1d' "$CONF/virtual_mailbox"
  cat > "$CONF/header_checks" <<'MAP'
/^X-Test-Refuse: data/	REJECT 5.7.1 refused at end of data by test rule
MAP
  cat > "$CONF/master.cf" <<CF
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$port inet n  -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CF
}

write_state() {
  local port=$1
  mkdir -p "$(dirname "$STATE")"
  cat > "$STATE.tmp" <<P
# Written by scripts/mta/start.sh; read by the interoperability tests (tag "mta").
name=postfix
host=127.0.0.1
port=$port
caCert=$MTA_DIR/tls/ca.crt
maildir=$MTA_DIR/mail/all
dir=$MTA_DIR
P
  mv "$STATE.tmp" "$STATE"
}

install_postfix
mkdir -p "$MTA_DIR"
chmod 755 "$MTA_DIR"

if running; then
  port=$(cat "$MTA_DIR/port")
  log "already running in $MTA_DIR on 127.0.0.1:$port"
  write_state "$port"
  exit 0
fi

owner=$(stat -c %u "$REPO")
if [[ ${SUDO_UID:-0} -ge 100 ]]; then owner=$SUDO_UID; fi
if [[ $owner -lt 100 ]]; then owner=$(id -u nobody); fi
group=$(getent passwd "$owner" | cut -d: -f4 || true)
group=${group:-$(id -g nobody)}

port=$(free_port)
make_certificates
write_config "$port" "$owner" "$group"
echo "$port" > "$MTA_DIR/port"
rm -f "$MTA_DIR/maillog"

# Create the queue directories with the right owners, then start the master in the background.
postfix -c "$CONF" set-permissions >/dev/null 2>&1 || true
postfix -c "$CONF" check >&2
postfix -c "$CONF" start >&2

# Wait until smtpd answers on the port.
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    write_state "$port"
    log "postfix $(postconf -c "$CONF" -h mail_version) running in $MTA_DIR on 127.0.0.1:$port (state: $STATE)"
    exit 0
  fi
  sleep 0.1
done
log "postfix did not start listening on $port; log follows"
cat "$MTA_DIR/maillog" >&2 || true
exit 1
