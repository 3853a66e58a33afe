#!/usr/bin/env bash
# Benchmarks the in-process MiniLM embedder against the reference (sentence-transformers 5.1.0 on
# PyTorch 2.13.0 CPU, in a throwaway virtual environment) on the same texts, with 1 and 2 threads,
# and prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh >&2
swift build -c release --product ragline >&2
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet >&2 "torch==2.13.0+cpu" "sentence-transformers==5.1.0"
model="$(pwd)/models/all-MiniLM-L6-v2"
results=()
for threads in 1 2; do
    results+=("$(.build/release/ragline bench embed --threads "$threads" --model-dir "$model")")
    results+=("$(.build/release/ragline bench embed --threads "$threads" --model-dir "$model" --blas-threshold 96 | sed 's/"implementation":"ragline"/"implementation":"ragline, OpenBLAS sgemm from 96 rows"/')")
    results+=("$(OMP_NUM_THREADS=$threads "$venv/bin/python" scripts/bench/reference_embed.py "$threads" "$model" benchmarks/embed-texts.json 2>/dev/null)")
done
printf '%s\n' "${results[@]}" | python3 scripts/bench/embed_table.py
