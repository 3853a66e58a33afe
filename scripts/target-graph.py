#!/usr/bin/env python3
"""Prints the README's target table from `swift package dump-package`: every non-test target, the
targets it depends on, and the package products it uses, exactly as Package.swift declares them.
A test (Tests/RaglineAppTests/ArchitectureTests.swift) keeps README.md equal to this output."""
import json
import subprocess
import sys
import tempfile

def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    manifest = json.loads(subprocess.run(["swift", "package", "--package-path", root, "--scratch-path", tempfile.mkdtemp(prefix="ragline-dump-"), "dump-package"], check=True, capture_output=True, text=True).stdout)
    lines = ["| target | kind | depends on targets | uses products |", "| --- | --- | --- | --- |"]
    for target in manifest["targets"]:
        if target["type"] == "test":
            continue
        own, products = [], []
        for dependency in target["dependencies"]:
            if "byName" in dependency:
                own.append(dependency["byName"][0])
            elif "target" in dependency:
                own.append(dependency["target"][0])
            elif "product" in dependency:
                products.append(dependency["product"][0])
        kind = {"regular": "library", "executable": "executable", "system": "system library"}.get(target["type"], target["type"])
        lines.append(f"| `{target['name']}` | {kind} | {', '.join(f'`{n}`' for n in own) or '-'} | {', '.join(products) or '-'} |")
    print("\n".join(lines))

if __name__ == "__main__":
    main()
