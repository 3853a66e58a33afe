#!/usr/bin/env bash
# Runs every test: unit, in-process end-to-end over the mock Kafka cluster, and multi-process.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bash scripts/test-deps.sh
swift build --build-tests
swift test --skip-build "$@"
