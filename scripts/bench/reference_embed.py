"""The reference for `ragline bench embed`: sentence-transformers on PyTorch CPU, same texts, same measures."""
import json, os, sys, time

threads, model_dir, texts_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
import torch
torch.set_num_threads(threads)
from sentence_transformers import SentenceTransformer

texts = json.load(open(texts_file))
questions, passages = texts["questions"], texts["passages"]
start = time.perf_counter()
model = SentenceTransformer(model_dir, device="cpu")
load = time.perf_counter() - start

for q in questions:
    model.encode([q])
singles = []
for i in range(320):
    start = time.perf_counter()
    model.encode([questions[i % len(questions)]])
    singles.append((time.perf_counter() - start) * 1000)
singles.sort()

def throughput(batch, repeats):
    model.encode(batch, batch_size=32)
    start = time.perf_counter()
    for _ in range(repeats):
        model.encode(batch, batch_size=32)
    return len(batch) * repeats / (time.perf_counter() - start)

print(json.dumps({
    "implementation": f"sentence-transformers {__import__('sentence_transformers').__version__} / torch {torch.__version__}",
    "threads": threads,
    "single_p50_ms": singles[len(singles) // 2], "single_p99_ms": singles[min(len(singles) - 1, len(singles) * 99 // 100)],
    "questions_per_s": throughput(questions, 20), "passages_per_s": throughput(passages, 4), "load_s": load,
}, sort_keys=True))
