# make_test_ca DIR: a test CA (DIR/ca.crt, ca.key) and a server certificate it issued for mail.test,
# localhost and 127.0.0.1 (DIR/server.crt, server.key), valid 30 days; does nothing when they exist.
# Sourced by scripts/mta/start.sh and scripts/exim/start.sh, each of which then sets the key's owner.
make_test_ca() {
  local d=$1
  if [[ -s $d/server.crt && -s $d/ca.crt ]]; then
    return 1
  fi
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=pipelining-smtp test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=mail.test" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:mail.test,DNS:localhost,IP:127.0.0.1" > "$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 30 \
    -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
  chmod 600 "$d/ca.key"
  chmod 644 "$d/ca.crt" "$d/server.crt"
}
