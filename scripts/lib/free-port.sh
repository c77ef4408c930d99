# free_port: prints a TCP port >= 20000 that no socket uses (checked against /proc/net/tcp{,6}),
# below the kernel's ephemeral range (ip_local_port_range), where a client socket could take it
# before the test MTA binds it. Sourced by scripts/mta/start.sh and scripts/exim/start.sh; the
# caller defines log().
free_port() {
  local port hex low top
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  top=$(( low > 21000 ? low : 50000 ))
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % (top - 20000) ))
    hex=$(printf ':%04X' "$port")
    # the whole table is read in awk: a grep -q that stopped early would make awk die of SIGPIPE,
    # and under pipefail that failure read as "no socket uses it"
    if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null \
        | awk -v h="$hex" 'substr($2, length($2) - 4) == h { found = 1 } END { exit !found }'; then
      echo "$port"
      return
    fi
  done
  log "no free port found"
  exit 1
}
