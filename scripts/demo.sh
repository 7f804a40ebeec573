#!/usr/bin/env bash
# Kong's "Certificate-Bound Access Tokens" guide, command for command, against a running Tether.
#
#   1. a service and a route (the guide's prerequisites)
#   2. tls-handshake-modifier on the service: Tether asks for the client certificate
#   3. openid-connect with proof_of_possession_mtls=strict (PUT with the guide's plugin id)
#   4. a token from the IdP, fetched over mutual TLS: it is bound to the client certificate
#   5. the proxy: right certificate → 200; another certificate, no certificate, no token → 401
#
# Every response status is checked; the script exits non-zero if any differs from the guide.
# Needs httpie (`http`) and openssl.
#
# Environment (defaults fit `docker compose up` after scripts/dev-certs.sh):
#   ADMIN           Tether's Admin API                  :8001
#   PROXY           Tether's TLS proxy                  https://localhost:8443
#   ISSUER          the issuer Tether is configured with (config.issuer); it must be reachable
#                   from Tether                         https://keycloak:8443/realms/tether
#   TOKEN_ENDPOINT  where this script asks for the token; it must be reachable from here.
#                   ISSUER unset: https://localhost:8440/realms/tether/protocol/openid-connect/token
#                   (the compose Keycloak, from the host); ISSUER set: $ISSUER/protocol/openid-connect/token
#                   (Keycloak's path; the test IdP's is $ISSUER/token)
#   UPSTREAM_URL    the service's url, as Tether reaches it   http://upstream:8080
#   CLIENT_CERT, CLIENT_KEY   the certificate the token is bound to   docker/keycloak/certs/client-{cert,key}.pem
#   OTHER_CERT, OTHER_KEY     another certificate                     docker/keycloak/certs/other-{cert,key}.pem
#   CA              CA bundle to verify the IdP's TLS certificate     docker/keycloak/certs/ca.pem
#   CLIENT_ID, CLIENT_SECRET  the guide's `cert-bound` client
#   WAIT            seconds to wait for the Admin API to answer       60
#   VERBOSE=1       print whole response bodies (otherwise cut after 40 lines)
#
# With the test IdP instead of Keycloak: `node --import tsx scripts/demo-idp.ts` prints the values.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certs="$repo_root/docker/keycloak/certs"

ADMIN="${ADMIN:-:8001}"
PROXY="${PROXY:-https://localhost:8443}"
if [[ -z "${ISSUER:-}" ]]; then
  ISSUER="https://keycloak:8443/realms/tether"
  TOKEN_ENDPOINT="${TOKEN_ENDPOINT:-https://localhost:8440/realms/tether/protocol/openid-connect/token}"
else
  TOKEN_ENDPOINT="${TOKEN_ENDPOINT:-$ISSUER/protocol/openid-connect/token}"
fi
UPSTREAM_URL="${UPSTREAM_URL:-http://upstream:8080}"
CLIENT_CERT="${CLIENT_CERT:-$certs/client-cert.pem}"
CLIENT_KEY="${CLIENT_KEY:-$certs/client-key.pem}"
OTHER_CERT="${OTHER_CERT:-$certs/other-cert.pem}"
OTHER_KEY="${OTHER_KEY:-$certs/other-key.pem}"
CA="${CA:-$certs/ca.pem}"
CLIENT_ID="${CLIENT_ID:-cert-bound}"
CLIENT_SECRET="${CLIENT_SECRET:-cf4c655a-0622-4ce6-a0de-d3353ef0b714}"
WAIT="${WAIT:-60}"
MAX_LINES=40
PLUGIN_ID="5f35b796-ced6-4c00-9b2a-90eef745f4f9"

die() {
  echo "demo: $*" >&2
  exit 1
}

command -v http >/dev/null || die "httpie (\`http\`) is required: apt-get install httpie, brew install httpie or pipx install httpie"
command -v openssl >/dev/null || die "openssl is required"
for f in "$CLIENT_CERT" "$CLIENT_KEY" "$OTHER_CERT" "$OTHER_KEY" "$CA"; do
  [[ -r "$f" ]] || die "cannot read $f (run scripts/dev-certs.sh, or set CLIENT_CERT/CLIENT_KEY/OTHER_CERT/OTHER_KEY/CA)"
done

if [[ -t 1 ]]; then
  bold=$'\e[1m' dim=$'\e[2m' green=$'\e[32m' red=$'\e[31m' reset=$'\e[0m'
else
  bold="" dim="" green="" red="" reset=""
fi

TOKEN=""
failures=()
STATUS=0
BODY=""
HEADERS=""

# The command as the reader would type it: the token shown as $TOKEN, arguments with spaces quoted.
show_command() {
  local out="http" arg
  for arg in "$@"; do
    [[ -n "$TOKEN" ]] && arg="${arg//"$TOKEN"/\$TOKEN}"
    if [[ "$arg" == *" "* ]]; then out+=" ${arg%%:*}:\"${arg#*:}\""; else out+=" $arg"; fi
  done
  printf '%s$ %s%s\n' "$bold" "$out" "$reset"
}

# call ARGS... : runs `http ARGS` and sets STATUS, HEADERS, BODY; prints the command and the answer.
call() {
  show_command "$@"
  local raw
  if ! raw="$(http --ignore-stdin --print=hb --pretty=format --timeout=30 "$@" 2>&1)"; then
    printf '%s\n' "$raw" >&2
    die "http could not complete the request (is the server up? see above)"
  fi
  raw="${raw//$'\r'/}"
  HEADERS="${raw%%$'\n\n'*}"
  if [[ "$raw" == *$'\n\n'* ]]; then BODY="${raw#*$'\n\n'}"; else BODY=""; fi
  local status_line="${HEADERS%%$'\n'*}"
  STATUS="$(sed -nE 's/^HTTP\/[0-9.]+ ([0-9]{3}).*/\1/p' <<<"$status_line")"
  printf '%s\n' "$status_line"
  local www
  www="$(grep -i '^www-authenticate:' <<<"$HEADERS" || true)"
  [[ -n "$www" ]] && printf '%s\n' "$www"
  if [[ -n "$BODY" ]]; then
    # Long bodies (the plugin's ~300 config fields) are cut; VERBOSE=1 shows them whole.
    local lines
    lines="$(wc -l <<<"$BODY")"
    if [[ "${VERBOSE:-0}" != "1" ]] && (( lines > MAX_LINES )); then
      printf '%s%s\n    … %d more lines (VERBOSE=1 shows them)%s\n' "$dim" "$(head -n "$MAX_LINES" <<<"$BODY")" $((lines - MAX_LINES)) "$reset"
    else
      printf '%s%s%s\n' "$dim" "$BODY" "$reset"
    fi
  fi
  return 0
}

# expect WHAT STATUS... : compares STATUS with the accepted statuses; records a failure otherwise.
expect() {
  local what="$1" s
  shift
  for s in "$@"; do
    if [[ "$STATUS" == "$s" ]]; then
      printf '%s✔ %s → %s%s\n\n' "$green" "$what" "$STATUS" "$reset"
      return 0
    fi
  done
  printf '%s✘ %s → %s, expected %s%s\n\n' "$red" "$what" "${STATUS:-no answer}" "$1" "$reset"
  failures+=("$what: got ${STATUS:-no answer}, expected $1")
  return 1
}

heading() { printf '%s== %s%s\n' "$bold" "$*" "$reset"; }

# x5t#S256 as RFC 8705 defines it: base64url, unpadded, of SHA-256 over the certificate's DER.
thumbprint() {
  openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '='
}

# The JWT's payload, decoded (for display; the gateway does the verifying).
jwt_payload() {
  local p
  p="$(cut -d. -f2 <<<"$1" | tr '_-' '/+')"
  while (( ${#p} % 4 )); do p+="="; done
  openssl base64 -d -A <<<"$p"
}

heading "0. Tether's Admin API at $ADMIN"
deadline=$((SECONDS + WAIT))
until http --ignore-stdin --check-status --print= --timeout=5 GET "$ADMIN/status" >/dev/null 2>&1; do
  (( SECONDS < deadline )) || die "no answer from the Admin API at $ADMIN/status after ${WAIT}s (is Tether running? set ADMIN)"
  sleep 1
done
echo "Tether answers at $ADMIN; the proxy is $PROXY; the IdP is $ISSUER."
echo

heading "1. The service and its route (the guide's prerequisites)"
call -f post "$ADMIN/services" name=openid-connect "url=$UPSTREAM_URL"
if [[ "$STATUS" == "409" ]]; then
  echo "(the service is there from an earlier run: point it at $UPSTREAM_URL)"
  expect "service openid-connect exists" 409 || true
  call -f patch "$ADMIN/services/openid-connect" "url=$UPSTREAM_URL"
  expect "service openid-connect updated" 200 || true
else
  expect "create service openid-connect" 201 || true
fi
call -f post "$ADMIN/services/openid-connect/routes" name=oidc-route paths=/
if [[ "$STATUS" == "409" ]]; then
  echo "(the route is there from an earlier run)"
  expect "route oidc-route exists" 409 || true
else
  expect "create route oidc-route" 201 || true
fi

heading "2. tls-handshake-modifier: ask the client for its certificate during the TLS handshake"
call -f post "$ADMIN/plugins" name=tls-handshake-modifier service.name=openid-connect
if [[ "$STATUS" == "409" ]]; then
  echo "(the plugin is there from an earlier run)"
  expect "tls-handshake-modifier exists" 409 || true
else
  expect "enable tls-handshake-modifier" 201 || true
fi

heading "3. openid-connect: bearer tokens, bound to the client certificate (strict)"
call -f put "$ADMIN/plugins/$PLUGIN_ID" name=openid-connect service.name=openid-connect \
  "config.issuer=$ISSUER" "config.client_id=$CLIENT_ID" "config.client_secret=$CLIENT_SECRET" \
  config.auth_methods=bearer config.proof_of_possession_mtls=strict
expect "PUT openid-connect plugin $PLUGIN_ID" 200 || true
echo "The fields the guide shows:"
flat="$(tr -d '\n ' <<<"$BODY")"
for field in '"id":"[^"]*"' '"client_id":\[[^]]*\]' '"client_secret":\[[^]]*\]' '"auth_methods":\[[^]]*\]' '"proof_of_possession_mtls":"[^"]*"'; do
  printf '  %s\n' "$(grep -oE "$field" <<<"$flat" | head -n 1 || true)"
done
echo

heading "4. A token from the IdP, asked for over mutual TLS with the client certificate"
call --verify="$CA" --cert="$CLIENT_CERT" --cert-key="$CLIENT_KEY" -f post "$TOKEN_ENDPOINT" \
  "client_id=$CLIENT_ID" "client_secret=$CLIENT_SECRET" grant_type=client_credentials
expect "token from $TOKEN_ENDPOINT" 200 || true
TOKEN="$(tr -d '\n ' <<<"$BODY" | sed -nE 's/.*"access_token":"([^"]+)".*/\1/p')"
[[ -n "$TOKEN" ]] || die "no access_token in the IdP's answer; cannot go on"
bound="$(jwt_payload "$TOKEN" | tr -d '\n ' | sed -nE 's/.*"x5t#S256":"([^"]+)".*/\1/p' || true)"
expected_thumbprint="$(thumbprint "$CLIENT_CERT")"
echo "token claim  cnf.x5t#S256 = ${bound:-(none)}"
echo "certificate  x5t#S256     = $expected_thumbprint   (openssl: base64url(sha256(DER)))"
if [[ "$bound" == "$expected_thumbprint" ]]; then
  printf '%s✔ the token is bound to the client certificate%s\n' "$green" "$reset"
else
  printf '%s✘ the token is not bound to the client certificate%s\n' "$red" "$reset"
  failures+=("token not bound to the client certificate")
fi
echo
# A change made on the Admin API is enforced by the proxy within a second.
sleep 1

heading "5. The proxy"
echo "5a. the certificate the token is bound to, and the token:"
call --verify=no --cert="$CLIENT_CERT" --cert-key="$CLIENT_KEY" -f post "$PROXY" "Authorization:Bearer $TOKEN"
expect "right certificate + token" 200 || true
echo "5b. another certificate (same CA), same token:"
call --verify=no --cert="$OTHER_CERT" --cert-key="$OTHER_KEY" -f post "$PROXY" "Authorization:Bearer $TOKEN"
expect "another certificate + token" 401 || true
echo "5c. no certificate, same token:"
call --verify=no -f post "$PROXY" "Authorization:Bearer $TOKEN"
expect "no certificate + token" 401 || true
echo "5d. the right certificate, no token:"
call --verify=no --cert="$CLIENT_CERT" --cert-key="$CLIENT_KEY" -f post "$PROXY"
expect "right certificate, no token" 401 || true

if (( ${#failures[@]} )); then
  printf '%s%d step(s) did not answer as the guide says:%s\n' "$red" "${#failures[@]}" "$reset"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
printf '%sEvery step answered as in Kong'"'"'s guide.%s\n' "$green" "$reset"
