"""Synthesizes app.py the way the CDK CLI does: cdk.json's context (plus `-c` values) and the CLI's own defaults
in CDK_CONTEXT_JSON, the output folder in CDK_OUTDIR. `python app.py` alone would ignore cdk.json, and a test
that built its own App would not check app.py; this checks the template `cdk deploy` deploys."""
import json
import os
import pathlib
import subprocess
import sys
from dataclasses import dataclass

import pytest

INFRA = pathlib.Path(__file__).resolve().parents[1]
CDK_JSON = json.loads((INFRA / "cdk.json").read_text())
# What the CLI adds to the context on every synthesis (aws-cdk-cli's contextFromSettings, default settings).
CLI_CONTEXT = {
    "aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True, "aws:cdk:bundling-stacks": ["**"],
}


@dataclass
class Assembly:
    out: pathlib.Path
    template: dict
    assets: dict
    metadata: dict  # construct path -> metadata entries (cdk-nag's findings among them)

    def resources(self, kind):
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def outputs(self):
        return self.template.get("Outputs", {})

    def entries(self, kind):
        return [(path, e["data"]) for path, entries in self.metadata.items() for e in entries if e["type"] == kind]


def synth(out: pathlib.Path, **context) -> Assembly:
    """`cdk synth -c key=value ...` without the CLI."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    env.update(CDK_OUTDIR=str(out), CDK_CONTEXT_JSON=json.dumps({**CDK_JSON["context"], **CLI_CONTEXT, **context}),
               JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1")
    command = CDK_JSON["app"].split()
    command[0] = sys.executable if command[0].startswith("python") else command[0]
    result = subprocess.run(command, cwd=INFRA, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
    manifest = json.loads((out / "manifest.json").read_text())["artifacts"]["Ragline"]
    metadata = manifest.get("metadata") or json.loads((out / manifest["additionalMetadataFile"]).read_text())
    return Assembly(out, json.loads((out / "Ragline.template.json").read_text()),
                    json.loads((out / "Ragline.assets.json").read_text()), metadata)


@pytest.fixture(scope="session")
def deployed(tmp_path_factory):
    """Exactly what `cdk deploy` synthesizes with cdk.json as it is (the image built as an asset)."""
    return synth(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def synthesize(tmp_path_factory):
    """Another synthesis with extra `-c` values (an image URI skips staging the repository again)."""
    return lambda **context: synth(tmp_path_factory.mktemp("cdk.out"), **{"imageUri": "public.ecr.aws/example/ragline:test", **context})
