# Shared by start.sh and stop.sh: where the test MTA lives. Sourced, not run.
#
# REPO      the repository root (two levels above this file)
# STATE     the file the tests read: $REPO/target/mta/mta.properties (override: MTA_STATE_FILE)
# MTA_DIR   Postfix's own tree: config, queue, data, maildir, certificates, log. Default
#           /tmp/pipelining-smtp-mta.<checksum of REPO>, a path the unprivileged postfix user can
#           traverse (a repository under /root could not be) and that `mvn clean` does not delete
#           under a running Postfix. Deterministic, so stop.sh finds what start.sh started.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MTA_DIR="${MTA_DIR:-/tmp/pipelining-smtp-mta.$(printf '%s' "$REPO" | cksum | cut -d' ' -f1)}"
STATE="${MTA_STATE_FILE:-$REPO/target/mta/mta.properties}"
CONF="$MTA_DIR/etc"
