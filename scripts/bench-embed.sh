#!/usr/bin/env bash
# Benchmarks the in-process MiniLM embedder against the reference (sentence-transformers 5.1.0 on
# PyTorch 2.13.0 CPU, in a throwaway virtual environment) on the same texts, with 1 and 2 threads,
# and prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product ragline >/dev/null
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "torch==2.13.0+cpu" "sentence-transformers==5.1.0"
model="$(pwd)/models/all-MiniLM-L6-v2"
results=()
for threads in 1 2; do
    results+=("$(.build/release/ragline bench embed --threads "$threads" --model-dir "$model")")
    results+=("$(.build/release/ragline bench embed --threads "$threads" --model-dir "$model" --blas-threshold 96 | sed 's/"implementation":"ragline"/"implementation":"ragline, OpenBLAS sgemm from 96 rows"/')")
    results+=("$(OMP_NUM_THREADS=$threads "$venv/bin/python" scripts/bench/reference_embed.py "$threads" "$model" benchmarks/embed-texts.json 2>/dev/null)")
done
printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin if line.strip()]
print("| implementation | threads | single question p50 ms | p99 ms | 32 short questions, texts/s | 32 ~84-word passages, texts/s |")
print("| --- | --- | --- | --- | --- | --- |")
for r in rows:
    print(f"| {r[\"implementation\"]} | {r[\"threads\"]} | {r[\"single_p50_ms\"]:.2f} | {r[\"single_p99_ms\"]:.2f} | {r[\"questions_per_s\"]:.0f} | {r[\"passages_per_s\"]:.1f} |")
for r in rows:
    if r["implementation"] == "ragline":
        print(f"\nragline, {r[\"threads\"]} thread(s): model load {r[\"load_s\"]:.2f} s, resident memory after load {r[\"rss_mb_after_load\"]:.0f} MB, tokenizing one question {r[\"tokenize_us\"]:.1f} us, kernel: {r[\"kernel\"]}")
'
