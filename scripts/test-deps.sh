#!/usr/bin/env bash
# Test-only dependencies: moto_server (a real AWS-protocol server for S3 and SQS) and boto3, in a virtual
# environment under .venv-test (ignored by git). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-test
if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto, boto3" >/dev/null 2>&1; then
    echo "test-deps: installing moto[server] and boto3 into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==5.2.1" "boto3>=1.35"
fi
echo "test-deps: $("$venv/bin/python" -c 'import moto; print("moto", moto.__version__)')"
