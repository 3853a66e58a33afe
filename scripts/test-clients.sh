#!/usr/bin/env bash
# Clients someone else wrote, against `ragline dev` on embedded defaults: the official `openai` Python
# package on the OpenAI-compatible endpoint. Starts and stops its own `ragline dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
ragline=${RAGLINE_BINARY:-.build/debug/ragline}
data=$(mktemp -d /tmp/ragline-clients.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RAGLINE_DATA_DIR="$data" RAGLINE_PORT="$port" RAGLINE_HOST=127.0.0.1 RAGLINE_ADMIN_PORT=0 RAGLINE_LOG_LEVEL=warning \
    "$ragline" dev > "$data/dev.log" 2>&1 &
dev=$!
cleanup() { kill -TERM "$dev" 2>/dev/null || true; wait "$dev" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$dev" 2>/dev/null || { cat "$data/dev.log"; exit 1; }
    sleep 0.5
done
# The demo knowledge is indexed once a seed question is answered from it.
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/v1/chat" -H 'content-type: application/json' -d '{"question":"How can I buy a train ticket?"}' | grep -q transport-001 && break
    sleep 0.5
done
timeout 300 .venv-test/bin/python Tests/Clients/openai_client.py "http://127.0.0.1:$port"
