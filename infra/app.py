#!/usr/bin/env python3
"""Ragline on AWS: `python app.py` synthesizes into cdk.out (or `cdk deploy` where the CDK CLI exists)."""
import argparse

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from ragline_infra.stack import RaglineStack

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("-o", "--output", default="cdk.out", help="folder for the cloud assembly")
arguments, _ = parser.parse_known_args()
app = cdk.App(outdir=arguments.output)
RaglineStack(app, "Ragline", env=cdk.Environment(
    account=app.node.try_get_context("account"), region=app.node.try_get_context("region") or "us-east-1"))
cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
app.synth()
