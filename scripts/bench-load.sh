#!/usr/bin/env bash
# Open-loop load on `ragline dev` (embedded defaults) with `ragline bench load`: a closed-loop wrk cross-check
# of POST /v1/chat first (when wrk can be installed), then POST /v1/chat (the whole pipeline) at SYNC_RATES
# in the same run, then POST /v1/questions (the front door only) at ASYNC_RATES last, since the questions
# it queues keep the pipeline busy after it returns. Builds nothing: it runs RAGLINE_BINARY (default
# .build/release/ragline). Extra arguments go to both `ragline bench load` runs (e.g. --json, --questions
# repeated). DURATION and WARMUP are seconds per rate; WRK_DURATION is wrk's -d.
set -euo pipefail
cd "$(dirname "$0")/.."
ragline=${RAGLINE_BINARY:-.build/release/ragline}
[ -x "$ragline" ] || { echo "bench-load: no ragline binary at $ragline (swift build -c release --product ragline, or set RAGLINE_BINARY)" >&2; exit 1; }
duration=${DURATION:-10}
warmup=${WARMUP:-2}
work=$(mktemp -d /tmp/ragline-load.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
mkdir -p "$work/data"
RAGLINE_DATA_DIR="$work/data" RAGLINE_PORT="$port" RAGLINE_HOST=127.0.0.1 RAGLINE_ADMIN_PORT=0 RAGLINE_LOG_LEVEL=warning \
    "$ragline" dev > "$work/dev.log" 2>&1 &
dev=$!
cleanup() { kill -TERM "$dev" 2>/dev/null || true; wait "$dev" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 240); do
    curl -sf "$url/readyz" >/dev/null 2>&1 && break
    kill -0 "$dev" 2>/dev/null || { echo "bench-load: ragline dev exited:" >&2; cat "$work/dev.log" >&2; exit 1; }
    sleep 0.5
done
curl -sf "$url/readyz" >/dev/null 2>&1 || { echo "bench-load: ragline dev not ready after 120 s:" >&2; cat "$work/dev.log" >&2; exit 1; }
# The demo knowledge is indexed once a seed question is answered from it.
indexed=""
for _ in $(seq 1 120); do
    if curl -sf "$url/v1/chat" -H 'content-type: application/json' -d '{"question":"How can I buy a train ticket?"}' | grep -q transport-001; then
        indexed=yes
        break
    fi
    sleep 0.5
done
[ -n "$indexed" ] || { echo "bench-load: the seed question was not answered from the demo knowledge:" >&2; cat "$work/dev.log" >&2; exit 1; }
echo "bench-load: $ragline dev ready at $url ($(nproc) CPU cores)" >&2

echo

# wrk: closed loop (WRK_CONNECTIONS, default 64, each waits for its answer before the next request), so its latencies
# are not corrected for coordinated omission; a cross-check of throughput, not of the tail.
if ! command -v wrk >/dev/null 2>&1; then
    echo "bench-load: installing wrk" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk; } >/dev/null 2>&1 \
        || echo "bench-load: could not install wrk; skipping the cross-check" >&2
fi
if command -v wrk >/dev/null 2>&1; then
    run=$((RANDOM % 900 + 100))
    # The short FAQ questions `ragline bench embed` embeds, each made distinct by a number (a few word pieces).
    seeds=$(python3 -c 'import json; print(",".join(json.dumps(q) for q in json.load(open("benchmarks/embed-texts.json"))["questions"]))')
    cat > "$work/chat.lua" <<EOF
-- POST /v1/chat with a distinct question per request (thread number and counter), so no cache hits.
local seeds = { $seeds }
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("thread_number", threads)
end
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
    counter = counter + 1
    local question = seeds[counter % #seeds + 1] .. " $run" .. tostring(thread_number) .. counter
    return wrk.format(nil, "/v1/chat", nil, '{"question": "' .. question .. '"}')
end
EOF
    # Warm-up, not reported: the first seconds under load after start run slower (first batches, allocator).
    wrk -t2 -c"${WRK_CONNECTIONS:-64}" -d3s -s "$work/chat.lua" "$url" > /dev/null
    echo "<!-- wrk -t2 -c${WRK_CONNECTIONS:-64} -d${WRK_DURATION:-10s} --latency -s chat.lua $url (POST /v1/chat, distinct questions, closed loop, after a 3 s warm-up) -->"
    echo '```'
    wrk -t2 -c"${WRK_CONNECTIONS:-64}" -d"${WRK_DURATION:-10s}" --latency -s "$work/chat.lua" "$url"
    echo '```'
    echo
fi
# After wrk: open-loop load past saturation leaves questions queued, which would slow a closed loop after it.
"$ragline" bench load --url "$url" --mode sync --rates "${SYNC_RATES:-100,200,300,400}" --duration "$duration" --warmup "$warmup" "$@"

"$ragline" bench load --url "$url" --mode async --rates "${ASYNC_RATES:-1000,2000,4000}" --duration "$duration" --warmup "$warmup" "$@"

# The embedder alone, in the same run: the throughput the pipeline's answers/s compare with (issue 14 asks for
# at least 0.8x of its one-thread batches of short questions at 64 connections).
kill -TERM "$dev" 2>/dev/null || true
wait "$dev" 2>/dev/null || true
echo
echo "<!-- $ragline bench embed --threads 1 (the same machine, right after, ragline dev stopped) -->"
"$ragline" bench embed --threads 1 --singles 100 \
    | python3 -c 'import json, sys; d = json.load(sys.stdin); print("embedder alone, one thread: %.1f short questions/s in batches of 32; single question p50 %.2f ms" % (d["questions_per_s"], d["single_p50_ms"]))'
