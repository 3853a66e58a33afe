#!/usr/bin/env bash
# Property-based tests of a running gateway against its OpenAPI document: schemathesis generates requests from
# Sources/Gateway/Resources/openapi.json (the repository's file, so that it tests the document being changed,
# whatever the gateway serves at /openapi.json) and checks every response: no 5xx, a documented status, a
# documented content type, a body and headers that match the document (streams too: schemathesis reads each
# server-sent event's JSON against its schema). Any failure exits non-zero.
#
#   scripts/test-schemathesis.sh BASE_URL [more `schemathesis run` options]
#   scripts/test-schemathesis.sh http://127.0.0.1:8080
#   scripts/test-schemathesis.sh http://127.0.0.1:8080 --exclude-path / --exclude-path /openapi.json
#
# Best against `ragline dev` started with RAGLINE_CHAT_TIMEOUT_SECONDS=5: no request then waits longer than
# that for an answer, and RAGLINE_ST_REQUEST_TIMEOUT can be 15. Settings (environment):
#   RAGLINE_ST_MAX_EXAMPLES   test cases per operation and phase (default 100)
#   RAGLINE_ST_REQUEST_TIMEOUT  seconds per request (default 35: above the default chat deadline of 30 s)
#   RAGLINE_ST_TIME_LIMIT     seconds for the whole run before it is stopped and failed (default 220)
#   RAGLINE_ST_WORKERS        concurrent workers (default 1: with more, CPython 3.11.7 and older can fail a run
#                             with "SystemError: AST constructor recursion depth mismatch", CPython gh-106905)
#   RAGLINE_ST_API_KEY        sent as `Authorization: Bearer <key>` when the gateway has RAGLINE_API_KEYS
#   SCHEMATHESIS              the executable (default .venv-test/bin/schemathesis, from scripts/test-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
    echo "usage: scripts/test-schemathesis.sh BASE_URL [schemathesis run options]" >&2
    exit 2
fi
base=${1%/}
shift
st=${SCHEMATHESIS:-.venv-test/bin/schemathesis}
[ -x "$st" ] || { echo "test-schemathesis: $st is missing; run scripts/test-deps.sh" >&2; exit 2; }
schema=Sources/Gateway/Resources/openapi.json
[ -f "$schema" ] || { echo "test-schemathesis: $schema is missing" >&2; exit 2; }
curl -sf --max-time 5 "$base/readyz" >/dev/null || { echo "test-schemathesis: $base/readyz does not answer 200" >&2; exit 2; }

work=$(mktemp -d /tmp/ragline-schemathesis.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Generated callback URLs name real hosts (https://a.com/...): without this hook the gateway would POST answers
# to them. Before each request it moves a public host somewhere no delivery can reach: a name under `.invalid`
# (RFC 6761: never resolves), an IPv4 address in any notation `inet_aton` reads to 192.0.2.1 (TEST-NET-1), an
# IPv6 address to 2001:db8::1 (documentation). Local hosts stay, so that the gateway still refuses them (422).
cat > "$work/ragline_hooks.py" <<'PY'
import ipaddress
import re
import socket

import schemathesis

AUTHORITY = re.compile(r"^(?P<head>[Hh][Tt][Tt][Pp][Ss]?://)(?P<host>\[[^\]]*\]|[^:/?#\[]*)(?P<tail>.*)$", re.S)
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".invalid")
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


def harmless_host(host):
    if host.startswith("["):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return host  # not an address the gateway accepts either
        local = address.is_loopback or address.is_link_local or address.is_unspecified or address in UNIQUE_LOCAL
        return host if local else "[2001:db8::1]"
    name = host.rstrip(".").lower()
    try:
        v4 = ipaddress.IPv4Address(socket.inet_aton(name))
    except (OSError, ValueError):
        v4 = None
    if v4 is not None:
        return "192.0.2.1" if v4.is_global else host
    if not name or "." not in name or name == "localhost" or name.endswith(LOCAL_SUFFIXES):
        return host
    return name + ".invalid"


@schemathesis.hook
def before_call(context, case, kwargs):
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("callback_url"), str):
        match = AUTHORITY.match(body["callback_url"])
        if match is not None:
            body["callback_url"] = match["head"] + harmless_host(match["host"]) + match["tail"]
PY

auth=()
[ -n "${RAGLINE_ST_API_KEY:-}" ] && auth=(--header "Authorization: Bearer $RAGLINE_ST_API_KEY")
limit=${RAGLINE_ST_TIME_LIMIT:-220}
started=$(date +%s)
set +e
SCHEMATHESIS_HOOKS="$work/ragline_hooks.py" timeout --kill-after=10 "$limit" "$st" run "$schema" \
    --url "$base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --max-examples "${RAGLINE_ST_MAX_EXAMPLES:-100}" \
    --request-timeout "${RAGLINE_ST_REQUEST_TIMEOUT:-35}" \
    --workers "${RAGLINE_ST_WORKERS:-1}" \
    --generation-database none \
    --no-color \
    "${auth[@]}" "$@"
status=$?
set -e
echo "test-schemathesis: finished in $(( $(date +%s) - started )) s with status $status"
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "test-schemathesis: stopped after $limit s (RAGLINE_ST_TIME_LIMIT); lower RAGLINE_ST_MAX_EXAMPLES or the gateway's chat timeout" >&2
    exit 1
fi
exit "$status"
