#!/usr/bin/env bash
# Runs every test: unit, in-process end-to-end over the mock Kafka cluster, multi-process, the demo golden
# set (ragline eval), the README's target table against Package.swift, and the AWS CDK app's checks
# (pytest, cdk-nag, cfn-lint).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bash scripts/test-deps.sh
swift build --build-tests
# The fault tests measure how long requests are held and how fast callbacks resume: they run on their own,
# after the rest, so that other suites' load on this machine's cores does not skew them.
if [ "$#" -eq 0 ]; then
    swift test --skip-build --skip FaultTests --skip WarmStartTests
    swift test --skip-build --filter "FaultTests|WarmStartTests"
else
    swift test --skip-build "$@"
fi
# Answer quality gate: the demo knowledge's own seed questions, paraphrases and off-topic questions, asked
# over HTTP of all four roles (ragline eval, in-process). Seed questions must keep their references.
.build/debug/ragline eval examples/golden/demo.jsonl --knowledge examples/knowledge --min-accuracy 0.96 --min-abstention 0.9
# Clients someone else wrote: the official openai package on the OpenAI-compatible endpoint.
bash scripts/test-clients.sh
# The README draws the targets exactly as Package.swift declares them.
python3 scripts/target-graph.py --check README.md
bash scripts/test-infra.sh
