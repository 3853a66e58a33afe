#!/usr/bin/env python3
"""Ragline on AWS. The CDK CLI (`cdk synth`, `cdk deploy`) runs this file with cdk.json's context, and any `-c`
values, in the CDK_CONTEXT_JSON environment variable, and names the output folder in CDK_OUTDIR; cdk.App reads
both. The tests run it the same way (tests/conftest.py), so they check the template that is deployed."""
import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from ragline_infra.stack import RaglineStack

app = cdk.App()
RaglineStack(app, "Ragline", env=cdk.Environment(
    account=app.node.try_get_context("account"),
    region=app.node.try_get_context("region") or os.environ.get("CDK_DEFAULT_REGION") or "us-east-1"))
cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
app.synth()
