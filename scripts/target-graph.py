#!/usr/bin/env python3
"""Prints the README's target table from `swift package dump-package`: every non-test target, the
targets it depends on, and the package products it uses, exactly as Package.swift declares them.
`--check README.md` (run by scripts/test.sh) fails when the README's copy differs.

usage: scripts/target-graph.py [--check README.md] [PACKAGE_DIR]"""
import json
import subprocess
import sys
import tempfile

def main() -> None:
    arguments = sys.argv[1:]
    readme = None
    if arguments[:1] == ["--check"]:
        readme, arguments = arguments[1], arguments[2:]
    root = arguments[0] if arguments else "."
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
    table = "\n".join(lines)
    if readme is None:
        print(table)
    elif table not in open(readme, encoding="utf-8").read():
        sys.exit(f"{readme}: the target table differs from Package.swift; replace it with the output of scripts/target-graph.py")
    else:
        print(f"{readme}: the target table matches Package.swift")

if __name__ == "__main__":
    main()
