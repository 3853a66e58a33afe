#!/usr/bin/env bash
# Reproduces BENCHMARKS.md's "Answer quality" table: banking77 and CLINC150 at 5 and 1 entries per intent,
# Ragline's answer selection against the plain nearest entry (same binary, same run, selection switched off),
# every question asked over HTTP of all four roles on embedded defaults (`ragline eval` without --url).
# Knobs were chosen on the `val` golden sets only; the `test` sets are reported once.
# usage: benchmarks/quality/run.sh [OUT_DIR]   (needs a release build: swift build -c release --product ragline)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/ragline-quality}
ragline=.build/release/ragline
data=${RAGLINE_SHARED_DATA:-../shared/data}
# Plain nearest entry: no hubness, lexical or classifier terms, and a soft maximum cold enough to be the max.
nearest=(RAGLINE_SCORING_HUBNESS_WEIGHT=0 RAGLINE_SCORING_LEXICAL_WEIGHT=0 RAGLINE_SCORING_CLASSIFIER_WEIGHT=0 RAGLINE_SCORING_TEMPERATURE=0.0001 RAGLINE_CLARIFY_MARGIN=0)
summary() { python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"accuracy {d['accuracy']*100:.2f}% wrong {d['in_scope_wrong']*100:.2f}% clarify {d['in_scope_clarified']*100:.2f}% oos-abstained {d['out_of_scope_abstained']*100:.2f}% p50 {d['latency_p50_ms']:.1f} ms\" + (f\" calibrated-threshold {d['calibration']['threshold']:.4f}\" if 'calibration' in d else ''))"; }
run() { local label=$1 golden=$2 knowledge=$3; shift 3; printf '%-58s ' "$label"; env "$@" $ragline eval "$golden" --knowledge "$knowledge" --format json 2>/dev/null | summary; }
for k in 5 1; do
  for set in banking77 clinc150; do
    python3 benchmarks/quality/intent-sets.py $set $data/$set $out/k$k/$set --per-intent $k >/dev/null
  done
done
for k in 5 1; do
  b=$out/k$k/banking77; c=$out/k$k/clinc150
  run "k=$k banking77 test, nearest entry (top-1)" $b/banking77-test.jsonl $b/knowledge "${nearest[@]}" RAGLINE_NO_MATCH_THRESHOLD=-1
  run "k=$k banking77 test, Ragline (top-1)" $b/banking77-test.jsonl $b/knowledge RAGLINE_NO_MATCH_THRESHOLD=-1 RAGLINE_CLARIFY_MARGIN=0
  run "k=$k clinc150 test, nearest entry (top-1)" $c/clinc150-test.jsonl $c/knowledge "${nearest[@]}" RAGLINE_NO_MATCH_THRESHOLD=-1
  run "k=$k clinc150 test, Ragline (top-1)" $c/clinc150-test.jsonl $c/knowledge RAGLINE_NO_MATCH_THRESHOLD=-1 RAGLINE_CLARIFY_MARGIN=0
  run "k=$k clinc150 test, nearest entry, cosine threshold 0.45" $c/clinc150-test.jsonl $c/knowledge "${nearest[@]}" RAGLINE_NO_MATCH_THRESHOLD=0.45
  run "k=$k clinc150 test, Ragline defaults (threshold from the knowledge)" $c/clinc150-test.jsonl $c/knowledge
  # The operator's route: calibrate on the validation split's out-of-scope questions, then run the test split.
  printf '%-58s ' "k=$k clinc150 val, ragline eval --calibrate (90%)"
  $ragline eval $c/clinc150-val.jsonl --knowledge $c/knowledge --calibrate --target-abstention 0.9 --write-config $out/k$k/calibrated.json --format json 2>/dev/null | summary
  run "k=$k clinc150 test, Ragline with the val-calibrated threshold" $c/clinc150-test.jsonl $c/knowledge RAGLINE_NO_MATCH_THRESHOLD=$(python3 -c "import json; print(json.load(open('$out/k$k/calibrated.json'))['ragline']['no']['match']['threshold'])")
done
