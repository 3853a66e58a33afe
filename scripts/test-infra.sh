#!/usr/bin/env bash
# The AWS CDK app's checks: pytest synthesizes infra/app.py as the CDK CLI does (cdk.json's context in
# CDK_CONTEXT_JSON, no npm CLI needed), asserts on that template, and runs cdk-nag AwsSolutions and cfn-lint on it.
# The CDK libraries install from PyPI into .venv-infra; jsii needs node.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1; then
    echo "test-infra: installing nodejs (jsii runs the CDK libraries on node)"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs >/dev/null
fi
venv=.venv-infra
if ! "$venv/bin/python" -c "import aws_cdk, cdk_nag, cfnlint, pytest" >/dev/null 2>&1; then
    echo "test-infra: installing the CDK libraries into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r infra/requirements.txt
fi
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
cd infra
"../$venv/bin/python" -m pytest -q tests
