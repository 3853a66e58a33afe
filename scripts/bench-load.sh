#!/usr/bin/env bash
# Open-loop load on `ragline dev` (embedded defaults) with `ragline bench load`: a closed-loop wrk cross-check
# of POST /v1/chat first (when wrk can be installed), then POST /v1/chat (the whole pipeline) at SYNC_RATES
# in the same run, then POST /v1/questions (the front door only) at ASYNC_RATES last, since the questions
# it queues keep the pipeline busy after it returns. Builds nothing: it runs RAGLINE_BINARY (default
# .build/release/ragline). Extra arguments go to both `ragline bench load` runs (e.g. --json, --questions
# repeated). DURATION and WARMUP are seconds per rate; WRK_DURATION is wrk's -d. WRK_ONLY=1 stops after wrk
# (no open loop, no embedder alone): to compare two binaries, call it for each in turn, a fresh `ragline dev`
# every time.
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
# Real customer questions, each distinct: CLINC150's training utterances (../shared/data, or RAGLINE_SHARED_DATA),
# shuffled once with a fixed seed; none is in the demo knowledge, and they are about as short as the FAQ questions.
shared=${RAGLINE_SHARED_DATA:-../shared/data}
real_questions=""
if [ -f "$shared/clinc150/data_full.json" ]; then
    real_questions="$work/real-questions.txt"
    python3 - "$shared/clinc150/data_full.json" "$real_questions" <<'PY'
import json, random, sys
texts = sorted({text.replace("\\", " ").replace('"', " ").strip() for text, _ in json.load(open(sys.argv[1]))["train"]})
random.Random(14).shuffle(texts)
open(sys.argv[2], "w").write("\n".join(texts) + "\n")
PY
else
    echo "bench-load: no $shared/clinc150/data_full.json; skipping the real-questions load" >&2
fi
if command -v wrk >/dev/null 2>&1; then
    export WRK_PATH=/v1/chat WRK_THREADS=2
    # Two loads, each after a 3 s warm-up with other questions than it measures (the embedder caches):
    #  - real questions: CLINC150's, each sent once (the warm-up takes them from line 10000 on);
    #  - numbered questions: the short FAQ questions `ragline bench embed` embeds, each made distinct by a
    #    number (benchmarks/wrk-questions.lua), which adds 4-6 word pieces to embed.
    WRK_SEEDS=$(python3 -c 'import json; print("\n".join(json.load(open("benchmarks/embed-texts.json"))["questions"]))')
    export WRK_SEEDS
    for load in real numbered; do
        if [ "$load" = real ]; then
            [ -n "$real_questions" ] || continue
            export WRK_QUESTIONS_FILE="$real_questions" WRK_OFFSET=10000
            label="distinct real questions (CLINC150 train)"
        else
            unset WRK_QUESTIONS_FILE
            export WRK_RUN=$((RANDOM % 900 + 100))
            label="distinct numbered FAQ questions"
        fi
        wrk -t2 -c"${WRK_CONNECTIONS:-64}" -d3s -s benchmarks/wrk-questions.lua "$url" > /dev/null
        export WRK_OFFSET=0 WRK_RUN=$(( ${WRK_RUN:-100} % 900 + 101 ))
        echo "<!-- wrk -t2 -c${WRK_CONNECTIONS:-64} -d${WRK_DURATION:-10s} --latency -s benchmarks/wrk-questions.lua $url (POST /v1/chat, $label, closed loop, after a 3 s warm-up) -->"
        echo '```'
        wrk -t2 -c"${WRK_CONNECTIONS:-64}" -d"${WRK_DURATION:-10s}" --latency -s benchmarks/wrk-questions.lua "$url"
        echo '```'
        echo
    done
    unset WRK_QUESTIONS_FILE
fi
[ "${WRK_ONLY:-}" = 1 ] && exit 0
# After wrk: open-loop load past saturation leaves questions queued, which would slow a closed loop after it.
"$ragline" bench load --url "$url" --mode sync --rates "${SYNC_RATES:-100,200,300,400}" --duration "$duration" --warmup "$warmup" "$@"

"$ragline" bench load --url "$url" --mode async --rates "${ASYNC_RATES:-1000,2000,4000}" --duration "$duration" --warmup "$warmup" "$@"

# The embedder alone, in the same run: the throughput the pipeline's answers/s compare with (issue 14 asks for
# at least 0.8x of its one-thread batches of short questions at 64 connections), on the file's short questions,
# on the same questions with a number like wrk's, and on real questions as wrk sent them (the texts the
# pipeline embedded). One texts file per set: the file's passages, and the set's questions.
kill -TERM "$dev" 2>/dev/null || true
wait "$dev" 2>/dev/null || true
python3 - "$work" ${real_questions:+"$real_questions"} <<'PY'
import json, sys
work, real = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
base = json.load(open("benchmarks/embed-texts.json"))
sets = {"numbered-texts.json": [f"{question} 5551{index + 1000}" for index, question in enumerate(base["questions"])]}
if real:
    sets["real-texts.json"] = open(real).read().split("\n")[:640]
for name, questions in sets.items():
    json.dump(dict(base, questions=questions), open(f"{work}/{name}", "w"))
PY
echo
echo "<!-- $ragline bench embed --threads 1, on benchmarks/embed-texts.json, on its questions numbered as wrk's and on 640 of the real questions (the same machine, right after, ragline dev stopped) -->"
for texts in benchmarks/embed-texts.json "$work/numbered-texts.json" ${real_questions:+"$work/real-texts.json"}; do
    case "$texts" in
        benchmarks/embed-texts.json) label="short questions" ;;
        */numbered-texts.json) label="short questions with a number, as wrk sent them" ;;
        *) label="real questions (CLINC150 train), as wrk sent them" ;;
    esac
    "$ragline" bench embed --threads 1 --singles 100 --texts "$texts" \
        | python3 -c 'import json, sys; d = json.load(sys.stdin); print("embedder alone, one thread, %s: %.1f texts/s in batches of 32; single question p50 %.2f ms" % (sys.argv[1], d["questions_per_s"], d["single_p50_ms"]))' "$label"
done
