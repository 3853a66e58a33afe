#!/usr/bin/env bash
# One command from a fresh clone to a running Ragline on http://localhost:8080 with the demo knowledge:
# installs what is missing, builds in release mode, starts every role in one process (`ragline dev`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product ragline
exec .build/release/ragline dev "$@"
