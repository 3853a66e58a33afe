#!/usr/bin/env python3
"""Builds knowledge files and golden sets for `ragline eval` from the public intent sets in ../shared/data.

Knowledge: the first K training examples of each intent (file order), one answer per intent, so that the
entries of an intent form one answer group. Golden sets: every question of a split, with the ids of its
intent's entries as `expected_id` (any of them is right) or null for out-of-scope questions.

  banking77: knowledge from train.csv; `val` = train.csv examples beyond the first K (for tuning); `test` = test.csv
  clinc150:  knowledge from `train`; `val` = `val` + `oos_val` + `oos_train`; `test` = `test` + `oos_test`

usage: intent-sets.py {banking77,clinc150} DATA_DIR OUT_DIR [--per-intent K] [--layout entries|alternates]

`--layout alternates` writes one entry per intent whose other K-1 examples are `alternate_questions`.
Writes OUT_DIR/knowledge/<set>.jsonl (namespace <set>), OUT_DIR/<set>-val.jsonl and OUT_DIR/<set>-test.jsonl.
"""
import argparse
import csv
import json
import os
from collections import OrderedDict


def banking77(data):
    with open(os.path.join(data, "train.csv"), newline="") as handle:
        train = [(row["text"], row["category"]) for row in csv.DictReader(handle)]
    with open(os.path.join(data, "test.csv"), newline="") as handle:
        test = [(row["text"], row["category"]) for row in csv.DictReader(handle)]
    return train, {"test": test}, True


def clinc150(data):
    with open(os.path.join(data, "data_full.json")) as handle:
        full = json.load(handle)
    splits = {"val": full["val"] + full["oos_val"] + full["oos_train"], "test": full["test"] + full["oos_test"]}
    return [tuple(pair) for pair in full["train"]], {name: [tuple(pair) for pair in pairs] for name, pairs in splits.items()}, False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", choices=["banking77", "clinc150"])
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--per-intent", type=int, default=5)
    parser.add_argument("--layout", choices=["entries", "alternates"], default="entries")
    args = parser.parse_args()

    train, splits, validation_from_train = (banking77 if args.set == "banking77" else clinc150)(args.data)
    by_intent = OrderedDict()
    rest = []
    for text, intent in train:
        if intent == "oos":
            continue
        examples = by_intent.setdefault(intent, [])
        if len(examples) < args.per_intent:
            examples.append(text)
        else:
            rest.append((text, intent))
    if validation_from_train:
        splits["val"] = rest

    ids = {}
    lines = []
    for intent, examples in by_intent.items():
        answer = f"Approved answer for {intent.replace('_', ' ')}."
        if args.layout == "alternates":
            ids[intent] = [f"{intent}-1"]
            lines.append({"id": f"{intent}-1", "question": examples[0], "answer": answer, "context": "", "alternate_questions": examples[1:]})
        else:
            ids[intent] = [f"{intent}-{n + 1}" for n in range(len(examples))]
            lines += [{"id": f"{intent}-{n + 1}", "question": text, "answer": answer, "context": ""} for n, text in enumerate(examples)]

    folder = os.path.join(args.out, "knowledge")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{args.set}.jsonl"), "w") as handle:
        for line in lines:
            handle.write(json.dumps(line) + "\n")
    for name, pairs in splits.items():
        with open(os.path.join(args.out, f"{args.set}-{name}.jsonl"), "w") as handle:
            for text, intent in pairs:
                expected = None if intent == "oos" else ids[intent]
                handle.write(json.dumps({"question": text, "expected_id": expected, "namespace": args.set}) + "\n")
    print(f"{args.set}: {len(lines)} entries for {len(by_intent)} intents; " + ", ".join(f"{name} {len(pairs)} questions" for name, pairs in splits.items()))


if __name__ == "__main__":
    main()
