#!/usr/bin/env bash
# Runs every test: unit, in-process end-to-end over the mock Kafka cluster, multi-process, and the AWS CDK
# app's checks (pytest, cdk-nag, cfn-lint).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bash scripts/test-deps.sh
swift build --build-tests
swift test --skip-build "$@"
bash scripts/test-infra.sh
