#!/usr/bin/env bash
# Every Kafka event of a running `ragline dev` against docs/asyncapi.yaml: generates traffic that produces
# each event type (sync, no-match and streamed chats, async questions with callbacks, feedback, a knowledge
# file with bad lines added and removed, and records written on purpose to be dead-lettered), then reads
# every topic from the start (Tests/Clients/capture_events.py) and validates each record against the
# AsyncAPI document (Tests/Clients/validate_events.py).
#
#   scripts/test-events.sh BROKERS PORT [DATA_DIR]
#
# BROKERS: the embedded broker's address (dev writes it to $RAGLINE_DATA_DIR/kafka-bootstrap), or `auto`: the other TCP port the process serving PORT listens on that answers
#   Kafka metadata with Ragline's topics (works at any log level; needs `ss` from iproute2).
# PORT: the gateway's HTTP port. DATA_DIR: dev's RAGLINE_DATA_DIR; without it no knowledge file is added,
#   so the rejected-line dead letter and the folder watcher's removal event are not required.
# Callbacks go to a listener on 127.0.0.1, so dev must run with RAGLINE_CALLBACK_ALLOWED_HOSTS=127.0.0.1
# (the script fails with that advice otherwise).
# Uses ${PYTHON:-.venv-test/bin/python} (confluent-kafka, jsonschema, PyYAML; asyncapi3 optional).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 BROKERS|auto PORT [DATA_DIR]" >&2; exit 2; }
brokers=$1
port=$2
data=${3:-}
python=${PYTHON:-.venv-test/bin/python}
base="http://127.0.0.1:$port"
work=$(mktemp -d /tmp/ragline-events.XXXXXX)
listener=""
cleanup() {
    [ -n "$listener" ] && { kill "$listener" 2>/dev/null || true; wait "$listener" 2>/dev/null || true; }
    rm -rf "$work"
    [ -n "$data" ] && rm -f "$data/knowledge/eventtest/eventtest.jsonl" && rmdir "$data/knowledge/eventtest" 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "test-events: $*" >&2; exit 1; }
json_field() { "$python" -c 'import json, sys; value = json.load(sys.stdin); [value := value[k] for k in sys.argv[1:]]; print(value if not isinstance(value, (dict, list)) else json.dumps(value))' "$@"; }
post() { curl -s --max-time 60 -o "$work/body" -w '%{http_code}' "$base$1" -H 'content-type: application/json' -d "$2" || true; }

for _ in $(seq 1 240); do curl -sf "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$base/readyz" >/dev/null || fail "the gateway at $base is not ready"

if [ "$brokers" = auto ]; then
    pid=$( (ss -Hltnp "sport = :$port" || true) | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
    [ -n "$pid" ] || fail "no process listens on port $port"
    for candidate in $(ss -Hltnp | grep "pid=$pid," | awk '{print $4}' | sed 's/.*://' | sort -u); do
        [ "$candidate" = "$port" ] && continue
        if "$python" - "127.0.0.1:$candidate" <<'EOF' 2>/dev/null; then brokers="127.0.0.1:$candidate"; break; fi
import sys
from confluent_kafka.admin import AdminClient
topics = AdminClient({"bootstrap.servers": sys.argv[1], "log_level": 0}).list_topics(timeout=3).topics
sys.exit(0 if "rag.questions" in topics else 1)
EOF
    done
    [ "$brokers" != auto ] || fail "found no Kafka listener of process $pid"
fi
echo "test-events: gateway $base, Kafka $brokers"

# The demo knowledge is indexed once a seed question is answered from it.
for _ in $(seq 1 120); do
    [ "$(post /v1/chat '{"question":"How can I buy a train ticket?"}')" = 200 ] && grep -q transport-001 "$work/body" && break
    sleep 0.5
done
grep -q transport-001 "$work/body" || fail "the demo knowledge was never indexed: $(cat "$work/body")"

# Callback receiver on 127.0.0.1: /ok answers 204, /gone 410 (final, so the answer is dead-lettered at once).
"$python" - "$work" <<'EOF' &
import http.server, os, sys
work = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with open(os.path.join(work, "callbacks"), "a") as log:
            log.write(f"{self.path} {self.headers.get('webhook-id')} {len(body)}\n")
        self.send_response(204 if self.path == "/ok" else 410)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(work, "callback-port.tmp"), "w") as file:
    file.write(str(server.server_address[1]))
os.rename(os.path.join(work, "callback-port.tmp"), os.path.join(work, "callback-port"))
server.serve_forever()
EOF
listener=$!
for _ in $(seq 1 50); do [ -f "$work/callback-port" ] && break; sleep 0.1; done
callback_port=$(cat "$work/callback-port")

# 1. Sync chat, answered. 2. A question the knowledge does not cover: no_match.
[ "$(post /v1/chat '{"question":"How can I buy a train ticket?"}')" = 200 ] || fail "chat: $(cat "$work/body")"
chat_id=$(json_field id < "$work/body")
[ "$(post /v1/chat '{"question":"What is the airspeed velocity of an unladen swallow?"}')" = 200 ] || fail "no-match chat: $(cat "$work/body")"
[ "$(json_field status < "$work/body")" = no_match ] || fail "expected no_match: $(cat "$work/body")"

# 3. A streamed chat: QuestionAsked with stream, then AnswerDeltas.
stream=$(curl -sN --max-time 60 "$base/v1/chat" -H 'content-type: application/json' -H 'accept: text/event-stream' \
    -d '{"question":"Can I change my travel date after booking?"}')
echo "$stream" | grep -q '^event: answer' || fail "the stream had no answer event: $stream"

# The OpenAI-compatible endpoint asks through the same topics, whole and streamed.
[ "$(post /v1/chat/completions '{"model":"ragline","messages":[{"role":"user","content":"Can I bring my bicycle on board?"}]}')" = 200 ] \
    || fail "chat completions: $(cat "$work/body")"
chunks=$(curl -sN --max-time 60 "$base/v1/chat/completions" -H 'content-type: application/json' \
    -d '{"model":"ragline/transport","stream":true,"messages":[{"role":"user","content":"How can I buy a train ticket?"}]}' || true)
echo "$chunks" | grep -q '^data: \[DONE\]' || fail "the streamed chat completion did not finish: $chunks"

# 4. Async questions with callbacks: one delivered, one refused by the receiver (410: dead-lettered).
code=$(post /v1/questions "{\"question\":\"What happens if my train is delayed?\",\"callback_url\":\"http://127.0.0.1:$callback_port/ok\"}")
[ "$code" = 422 ] && fail "callbacks to 127.0.0.1 are refused: run ragline dev with RAGLINE_CALLBACK_ALLOWED_HOSTS=127.0.0.1 ($(cat "$work/body"))"
[ "$code" = 202 ] || fail "POST /v1/questions answered $code: $(cat "$work/body")"
async_id=$(json_field id < "$work/body")
[ "$(post /v1/questions "{\"question\":\"Do you accept my insurance provider?\",\"callback_url\":\"http://127.0.0.1:$callback_port/gone\"}")" = 202 ] \
    || fail "POST /v1/questions (gone): $(cat "$work/body")"
for _ in $(seq 1 120); do
    curl -s "$base/v1/questions/$async_id" -o "$work/poll"
    [ "$(json_field status < "$work/poll")" != pending ] && break
    sleep 0.25
done
[ "$(json_field status < "$work/poll")" = answered ] || fail "the async question was not answered: $(cat "$work/poll")"

# 5. Feedback on two answers.
[ "$(post "/v1/questions/$async_id/feedback" '{"rating":"up"}')" = 202 ] || fail "feedback: $(cat "$work/body")"
[ "$(post "/v1/questions/$chat_id/feedback" '{"rating":"down","comment":"Please list the kiosks too."}')" = 202 ] || fail "feedback: $(cat "$work/body")"

# 6. A knowledge file with a good line and two bad ones (each bad line is dead-lettered), answered from,
#    then removed: object events from the folder watcher, knowledge models, rejected-line dead letters.
if [ -n "$data" ]; then
    mkdir -p "$data/knowledge/eventtest"
    cat > "$data/knowledge/eventtest/eventtest.jsonl" <<'EOF'
{"id":"eventtest-001","question":"Where do lost umbrellas of the event test end up?","answer":"In the event test's lost and found box.","context":"Event test entry."}
{"id":"eventtest-002","question":"this line is not JSON
{"id":"eventtest-003","question":"A line without an answer?"}
EOF
    for _ in $(seq 1 120); do
        post /v1/chat '{"question":"Where do lost umbrellas of the event test end up?","namespace":"eventtest"}' >/dev/null
        grep -q eventtest-001 "$work/body" && break
        sleep 0.5
    done
    grep -q eventtest-001 "$work/body" || fail "the event-test knowledge was never indexed: $(cat "$work/body")"
    rm "$data/knowledge/eventtest/eventtest.jsonl"
    for _ in $(seq 1 120); do
        post /v1/chat '{"question":"Where do lost umbrellas of the event test end up?","namespace":"eventtest"}' >/dev/null
        grep -q eventtest-001 "$work/body" || break
        sleep 0.5
    done
    grep -q eventtest-001 "$work/body" && fail "the removed event-test knowledge is still answered"
fi

# 7. Records written straight to Kafka: an already-expired question (the retriever answers `expired`), an
#    object store's notifications (MinIO's shape for an object that does not exist: `ingest.object`; an
#    `s3:TestEvent`: skipped), and three records marked `ragline_test_injected` that must fail the schema
#    and be dead-lettered (`retriever.decode`, `responder.decode`, `ingest.decode`).
"$python" - "$brokers" <<'EOF'
import datetime, json, sys, uuid
from confluent_kafka import Producer

producer = Producer({"bootstrap.servers": sys.argv[1], "enable.idempotence": True, "log_level": 3})
def now(offset_seconds=0.0):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
def envelope(ce_type, source="/ragline/gateway", drop=()):
    headers = {
        "ce_specversion": "1.0", "ce_id": str(uuid.uuid4()), "ce_source": source, "ce_type": ce_type, "ce_time": now(),
        "content-type": "application/json", "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
    }
    return [(name, value) for name, value in headers.items() if name not in drop]
def send(topic, key, value, headers):
    producer.produce(topic, key=key, value=value if isinstance(value, (str, bytes)) else json.dumps(value), headers=headers)

expired = str(uuid.uuid4())
send("rag.questions", expired, {"schema_version": 1, "id": expired, "question": "Is this question too late?", "top_k": 3,
                                "asked_at": now(-60), "deadline": now(-30)}, envelope("io.ragline.question.asked.v1"))
send("rag.ingest.events", "local/knowledge/eventtest/missing.jsonl", {
    "EventName": "s3:ObjectCreated:Put", "Key": "local/knowledge%2Feventtest%2Fmissing.jsonl",
    "Records": [{"eventVersion": "2.0", "eventSource": "minio:s3", "awsRegion": "", "eventTime": now(), "eventName": "s3:ObjectCreated:Put",
                 "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "local", "arn": "arn:aws:s3:::local"},
                        "object": {"key": "knowledge%2Feventtest%2Fmissing.jsonl", "size": 10, "eTag": "0123456789abcdef", "sequencer": "17A2B3C4D5E6F708"}}}],
}, [])
send("rag.ingest.events", "local", {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": now(), "Bucket": "local"}, [])

broken = str(uuid.uuid4())
send("rag.questions", broken, {"schema_version": 1, "id": broken, "top_k": 3, "asked_at": now(), "deadline": now(30)},
     envelope("io.ragline.question.asked.v1") + [("ragline_test_injected", "question without its question")])
send("rag.retrievals", broken, {"schema_version": 1},
     envelope("io.ragline.context.retrieved.v1", source="/ragline/retriever", drop=("ce_type",)) + [("ragline_test_injected", "retrieval without ce_type")])
send("rag.ingest.events", "knowledge/eventtest/garbage.jsonl", "this is not an S3 event notification",
     [("ragline_test_injected", "not an event notification")])
left = producer.flush(30)
sys.exit(1 if left else 0)
EOF

# Let the consumers dead-letter and the callbacks arrive before reading everything back.
required=(--require rag.feedback --require rag.ingest.events --require rag.knowledge.models --require rag.questions.dlq
          --require rag.retrievals.dlq --require rag.answers.dlq --require rag.ingest.events.dlq
          --require-message LocalObjectNotification --require-message ExternalObjectNotification
          --require-message ObjectEventDeadLetter --require-message CallbackDeadLetter)
[ -n "$data" ] && required+=(--require-message RejectedKnowledgeLine)
for _ in $(seq 1 120); do
    grep -q "^/ok $async_id" "$work/callbacks" 2>/dev/null && grep -q "^/gone " "$work/callbacks" 2>/dev/null && break
    sleep 0.25
done
grep -q "^/ok $async_id" "$work/callbacks" || fail "the callback for $async_id never arrived"
grep -q "^/gone " "$work/callbacks" || fail "the refused callback was never attempted"
sleep 2
timeout 300 "$python" Tests/Clients/capture_events.py "$brokers" "$work/events.jsonl" --idle-seconds 3
timeout 120 "$python" Tests/Clients/validate_events.py docs/asyncapi.yaml "$work/events.jsonl" "${required[@]}"
