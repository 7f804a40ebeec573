#!/usr/bin/env bash
# Makes the development PKI that docker-compose.yml and scripts/demo.sh use:
#
#   ca.pem, ca.key                  a throw-away CA (Keycloak trusts it for client certificates,
#                                   Tether trusts it for TLS to Keycloak, the demo for --verify)
#   server.crt, server.key          Keycloak's HTTPS certificate: SANs keycloak, localhost, 127.0.0.1
#   client-cert.pem, client-key.pem the demo client's certificate (the token gets bound to it)
#   other-cert.pem, other-key.pem   a second client certificate from the same CA, for the
#                                   "another certificate → 401" step of the demo
#
# All keys are EC P-256, PKCS#8 PEM, unencrypted. Development only: never use these anywhere real.
#
# Usage: scripts/dev-certs.sh [--force] [OUT_DIR]     (OUT_DIR defaults to docker/keycloak/certs)
# Existing certificates are kept unless --force is given (a new CA would invalidate the tokens and
# trust of running containers). Plain `openssl req` + `openssl x509 -req`, so it works with
# OpenSSL 1.1, 3.x and LibreSSL (macOS).
set -euo pipefail

force=0
if [[ "${1:-}" == "--force" ]]; then
  force=1
  shift
fi
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo_root/docker/keycloak/certs}"

files=(ca.pem ca.key server.crt server.key client-cert.pem client-key.pem other-cert.pem other-key.pem)
all_present=1
for f in "${files[@]}"; do
  [[ -f "$out/$f" ]] || all_present=0
done
if [[ $all_present == 1 && $force == 0 ]]; then
  echo "dev-certs: certificates already in $out (use --force to make new ones)"
  exit 0
fi

command -v openssl >/dev/null || { echo "dev-certs: openssl is required" >&2; exit 1; }
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat >"$work/ext.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:keycloak, DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# leaf NAME SUBJECT EXTENSION_SECTION CERT_FILE KEY_FILE
leaf() {
  newkey "$work/$1.key"
  openssl req -new -config "$work/ext.cnf" -key "$work/$1.key" -subj "$2" -out "$work/$1.csr"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
    -CAserial "$work/ca.srl" -CAcreateserial -sha256 -days 825 \
    -extfile "$work/ext.cnf" -extensions "$3" -out "$work/$1.crt" 2>/dev/null
  cp "$work/$1.crt" "$out/$4"
  cp "$work/$1.key" "$out/$5"
}

newkey "$work/ca.key"
openssl req -x509 -new -config "$work/ext.cnf" -key "$work/ca.key" -sha256 -days 3650 \
  -subj "/O=Tether Dev/CN=Tether Dev CA" -extensions ca_ext -out "$work/ca.pem"
cp "$work/ca.pem" "$out/ca.pem"
cp "$work/ca.key" "$out/ca.key"

leaf server "/O=Tether Dev/CN=keycloak" server_ext server.crt server.key
leaf client "/O=Tether Dev/CN=demo-client" client_ext client-cert.pem client-key.pem
leaf other "/O=Tether Dev/CN=other-client" client_ext other-cert.pem other-key.pem

# Keycloak runs as uid 1000 inside its container and must read server.key through the bind
# mount; these are development keys, so world-readable is the simple answer.
chmod 644 "$out"/*.pem "$out"/*.crt "$out"/*.key

echo "dev-certs: wrote ${files[*]} to $out"
