#!/usr/bin/env bash
# The async front door alone: `ragline broker` plus one `ragline gateway` (no consumers besides the gateway's
# own), loaded by wrk with POST /v1/questions (a distinct question each, 202 only after the broker's
# acknowledgement). With BASELINE_BINARY set, the baseline and RAGLINE_BINARY take turns, ROUNDS times, each
# turn on a fresh broker and gateway, so the two are compared within one run on this noisy machine.
# GET /healthz is loaded once per turn as well: the HTTP ceiling of the same gateway with no Kafka work.
# Prints a Markdown table. Builds nothing. CONNECTIONS (64), DURATION (8s), ROUNDS (2) and extra environment
# for the gateway (e.g. KAFKA_PROPERTIES) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."
candidate=${RAGLINE_BINARY:-.build/release/ragline}
baseline=${BASELINE_BINARY:-}
connections=${CONNECTIONS:-64}
duration=${DURATION:-8s}
rounds=${ROUNDS:-2}
for binary in "$candidate" ${baseline:+"$baseline"}; do
    [ -x "$binary" ] || { echo "bench-front-door: no ragline binary at $binary" >&2; exit 1; }
done
command -v wrk >/dev/null 2>&1 || { echo "bench-front-door: needs wrk (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d /tmp/ragline-front-door.XXXXXX)
pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Distinct short questions (benchmarks/wrk-questions.lua), posted to the front door.
export WRK_PATH=/v1/questions WRK_RUN=$((RANDOM % 900 + 100))
WRK_SEEDS=$(python3 -c 'import json; print("\n".join(json.load(open("benchmarks/embed-texts.json"))["questions"]))')
export WRK_SEEDS
cat > "$work/healthz.lua" <<'LUA'
function done(summary, latency, requests)
    io.write(string.format("RESULT %.0f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
LUA

# One turn: a fresh broker and gateway from $1, wrk on /healthz, then on POST /v1/questions.
turn() {
    local binary=$1 label=$2 data port url line
    data="$work/data-$RANDOM$RANDOM"
    mkdir -p "$data"
    port=$(free_port)
    url="http://127.0.0.1:$port"
    RAGLINE_DATA_DIR="$data" RAGLINE_LOG_LEVEL=warning "$binary" broker > "$data/broker.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do [ -s "$data/kafka-bootstrap" ] && break; sleep 0.1; done
    RAGLINE_DATA_DIR="$data" RAGLINE_PORT="$port" RAGLINE_HOST=127.0.0.1 RAGLINE_LOG_LEVEL=warning \
        "$binary" gateway > "$data/gateway.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 300); do curl -sf "$url/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
    curl -sf "$url/readyz" >/dev/null || { echo "bench-front-door: gateway not ready:" >&2; cat "$data/gateway.log" >&2; exit 1; }
    WRK_RUN=$((WRK_RUN % 900 + 101)) wrk -t2 -c16 -d2s -s benchmarks/wrk-questions.lua "$url" > /dev/null   # warm-up
    line=$(wrk -t2 -c"$connections" -d"$duration" -s "$work/healthz.lua" "$url/healthz" | grep '^RESULT')
    set -- $line
    local healthz=$2
    line=$(wrk -t2 -c"$connections" -d"$duration" -s benchmarks/wrk-questions.lua "$url" | grep '^RESULT')
    set -- $line
    echo "| $label | $2 | $3 / $4 | $5 | $healthz |"
    stop_all
}

echo "<!-- scripts/bench-front-door.sh: wrk -t2 -c$connections -d$duration, POST /v1/questions, $(nproc) cores -->"
echo "| binary | accepted/s | p50 / p99 ms | errors | GET /healthz/s |"
echo "| --- | --- | --- | --- | --- |"
for round in $(seq 1 "$rounds"); do
    [ -n "$baseline" ] && turn "$baseline" "baseline ($round)"
    turn "$candidate" "candidate ($round)"
done
