"""The OpenAI-compatible endpoint, driven by the official `openai` Python client against a running gateway.

usage: python openai_client.py BASE_URL   (e.g. http://127.0.0.1:8080; the client is pointed at BASE_URL/v1)
Exits non-zero on the first failed check, naming it.
"""
import sys

import openai

base = sys.argv[1].rstrip("/") + "/v1"
client = openai.OpenAI(base_url=base, api_key="unused-without-RAGLINE_API_KEYS", max_retries=0, timeout=60)


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


models = client.models.list()
check("ragline" in [model.id for model in models.data], f"GET /v1/models lists ragline: {[m.id for m in models.data]}")

question = "How can I buy a train ticket?"
completion = client.chat.completions.create(
    model="ragline", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": question}]
)
check(completion.object == "chat.completion", "a whole completion")
answer = completion.choices[0].message.content
check(answer == "You can purchase tickets online, at station kiosks, or via our mobile app.", f"the approved answer: {answer!r}")
check(completion.choices[0].finish_reason == "stop", "finish_reason stop")
extension = completion.model_extra["ragline"]
check(extension["status"] == "answered", f"ragline.status answered: {extension}")
check(extension["references"][0]["id"] == "transport-001", f"ragline.references starts with transport-001: {extension['references']}")

scoped = client.chat.completions.create(model="ragline/transport", messages=[{"role": "user", "content": question}])
check(scoped.model_extra["ragline"]["references"][0]["id"] == "transport-001", "model ragline/transport searches that namespace")

stream = client.chat.completions.create(model="ragline", messages=[{"role": "user", "content": question}], stream=True)
text, finish, final_extension, objects = "", None, None, set()
for chunk in stream:
    objects.add(chunk.object)
    delta = chunk.choices[0].delta
    text += delta.content or ""
    if chunk.choices[0].finish_reason:
        finish = chunk.choices[0].finish_reason
        final_extension = (chunk.model_extra or {}).get("ragline")
check(objects == {"chat.completion.chunk"}, f"every streamed object is a chat.completion.chunk: {objects}")
check(text == answer, f"the streamed text is the answer: {text!r}")
check(finish == "stop", "the stream ends with finish_reason stop")
check(final_extension and final_extension["references"][0]["id"] == "transport-001", "the final chunk carries ragline.references")

off_topic = client.chat.completions.create(model="ragline", messages=[{"role": "user", "content": "What is the capital of Mongolia's moon base?"}])
check(off_topic.model_extra["ragline"]["status"] == "no_match", f"an off-topic question is no_match: {off_topic.model_extra['ragline']}")

for label, call, error_type in [
    ("an unknown model is 404", lambda: client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}]), openai.NotFoundError),
    ("no user message is 400", lambda: client.chat.completions.create(model="ragline", messages=[{"role": "system", "content": "hi"}]), openai.BadRequestError),
    ("an empty question is 400", lambda: client.chat.completions.create(model="ragline", messages=[{"role": "user", "content": "   "}]), openai.BadRequestError),
]:
    try:
        call()
        check(False, label)
    except error_type as error:
        body = error.body or {}
        check(isinstance(body, dict) and body.get("message") and body.get("type"), f"{label}, in OpenAI's error shape: {body}")
print("openai client: every check passed")
