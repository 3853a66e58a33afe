#!/usr/bin/env bash
# Test-only dependencies: moto_server (a real AWS-protocol server for S3 and SQS), boto3 and PyYAML in a
# virtual environment under .venv-test (ignored by git), docker-py for reproducing the image's build context,
# the official `openai` client for the OpenAI-compatible endpoint's tests, and Debian's docker-compose for the
# static check of compose/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null 2>&1; then
    echo "test-deps: installing docker-compose"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker-compose >/dev/null
fi
venv=.venv-test
if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto, boto3, yaml, docker, openai" >/dev/null 2>&1; then
    echo "test-deps: installing moto[server], boto3, PyYAML, docker (its .dockerignore rules) and openai into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==5.2.1" "boto3>=1.35" "PyYAML>=6" "docker>=7" "openai>=1.50,<3"
fi
echo "test-deps: $("$venv/bin/python" -c 'import moto; print("moto", moto.__version__)')"
