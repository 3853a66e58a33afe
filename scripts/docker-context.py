#!/usr/bin/env python3
"""Reproduces what `docker build -f compose/Dockerfile .` gives the image's build stage, without a Docker engine.

The build context is the repository minus `.dockerignore`, matched by docker-py's implementation of Docker's
rules (`docker.utils.build.exclude_paths`). The build stage then sees only what its `COPY` lines take from that
context, so this script copies exactly those paths into OUT, as they would land under the stage's WORKDIR.
It prints one JSON object: {"context": [every path in the build context], "copied": [every path copied]}.

usage: docker-context.py ROOT DOCKERFILE OUT
"""
import json
import os
import shlex
import shutil
import sys

from docker.utils.build import exclude_paths


def ignore_patterns(root):
    path = os.path.join(root, ".dockerignore")
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]


def build_stage_copies(dockerfile):
    """(sources, destination) of every COPY in the first stage that reads the build context (no --from)."""
    copies, stage = [], 0
    with open(dockerfile) as handle:
        for raw in handle:
            words = shlex.split(raw, comments=True)
            if not words:
                continue
            instruction = words[0].upper()
            if instruction == "FROM":
                stage += 1
            elif instruction == "COPY" and stage == 1:
                args = [word for word in words[1:] if not word.startswith("--")]
                if any(word.startswith("--from") for word in words[1:]):
                    continue
                copies.append((args[:-1], args[-1]))
    return copies


def main(root, dockerfile, out):
    root = os.path.abspath(root)
    relative_dockerfile = os.path.relpath(os.path.abspath(dockerfile), root)
    context = sorted(exclude_paths(root, ignore_patterns(root), dockerfile=relative_dockerfile))
    files = [path for path in context if os.path.isfile(os.path.join(root, path))]
    copied = []
    for sources, destination in build_stage_copies(dockerfile):
        for source in sources:
            source = os.path.normpath(source)
            for path in files:
                if path == source:
                    target = os.path.join(destination, os.path.basename(path)) if destination.endswith("/") else destination
                elif path.startswith(source + "/"):
                    target = os.path.join(destination, os.path.relpath(path, source))
                else:
                    continue
                target = os.path.normpath(os.path.join(out, target))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(os.path.join(root, path), target)
                copied.append(os.path.relpath(target, out))
    json.dump({"context": context, "copied": sorted(copied)}, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
