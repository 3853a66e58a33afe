"""Formats the JSON lines of `ragline bench embed` and reference_embed.py as the BENCHMARKS.md table."""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.strip()]
print("| implementation | threads | single question p50 ms | p99 ms | 32 short questions, texts/s | 32 ~84-word passages, texts/s |")
print("| --- | --- | --- | --- | --- | --- |")
for r in rows:
    print("| {} | {} | {:.2f} | {:.2f} | {:.0f} | {:.1f} |".format(
        r["implementation"], r["threads"], r["single_p50_ms"], r["single_p99_ms"], r["questions_per_s"], r["passages_per_s"]))
print()
for r in rows:
    if "rss_mb_after_load" in r:
        print("- {}, {} thread(s): model load {:.2f} s, resident memory after load {:.0f} MB, tokenizing one question {:.1f} us, kernel: {}".format(
            r["implementation"], r["threads"], r["load_s"], r["rss_mb_after_load"], r["tokenize_us"], r["kernel"]))
