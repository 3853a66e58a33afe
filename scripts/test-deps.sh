#!/usr/bin/env bash
# Test-only dependencies: moto_server (a real AWS-protocol server for S3 and SQS), boto3 and PyYAML in a
# virtual environment under .venv-test (ignored by git), docker-py for reproducing the image's build context,
# the official `openai` client for the OpenAI-compatible endpoint's tests, and Debian's docker-compose for the
# static check of compose/, and Debian's Chromium with its driver for the web chat page's browser test
# (Selenium drives them; nothing is downloaded at test time). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    echo "test-deps: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
venv=.venv-test
if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto, boto3, yaml, docker, openai, selenium, confluent_kafka, jsonschema, referencing, schemathesis" >/dev/null 2>&1; then
    echo "test-deps: installing moto[server], boto3, PyYAML, docker (its .dockerignore rules), openai, selenium, confluent-kafka and jsonschema (capturing events and checking them against docs/asyncapi.yaml) and schemathesis (the HTTP API against its OpenAPI document) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==5.2.1" "boto3>=1.35" "PyYAML>=6" "docker>=7" "openai>=1.50,<3" "selenium>=4.20,<5" "confluent-kafka>=2.4,<3" "jsonschema>=4.18,<5" "schemathesis>=4.32,<5"
fi
echo "test-deps: $("$venv/bin/python" -c 'import moto; print("moto", moto.__version__)')"
