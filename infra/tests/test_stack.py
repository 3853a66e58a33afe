"""Assertions on the synthesized template, cdk-nag's AwsSolutions checks, and cfn-lint."""
import json
import pathlib
import subprocess
import sys

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from ragline_infra.stack import ROLES, RaglineStack  # noqa: E402

CONTEXT = json.loads((pathlib.Path(__file__).resolve().parents[1] / "cdk.json").read_text())["context"]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    out = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(out), context={**CONTEXT, "imageUri": "public.ecr.aws/example/ragline:test"})
    stack = RaglineStack(app, "Ragline", env=cdk.Environment(region="us-east-1"))
    cdk.Aspects.of(app).add(AwsSolutionsChecks())
    app.synth()
    return stack, Template.from_stack(stack), out


def containers(template):
    definitions = template.find_resources("AWS::ECS::TaskDefinition")
    return {c["Name"]: c for d in definitions.values() for c in d["Properties"]["ContainerDefinitions"]}


def test_four_services_from_one_image_with_their_commands(synthesized):
    _, template, _ = synthesized
    template.resource_count_is("AWS::ECS::Service", 4)
    found = containers(template)
    for role, (command, *_rest) in ROLES.items():
        assert found[role]["Command"] == command
        assert found[role]["Image"] == "public.ecr.aws/example/ragline:test"
        assert found[role]["StopTimeout"] >= 60
    assert found["topics"]["Command"] == ["topics"]


def test_spot_capacity_with_an_on_demand_base_and_draining(synthesized):
    _, template, _ = synthesized
    template.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {
        "MixedInstancesPolicy": {"InstancesDistribution": Match.object_like({
            "OnDemandBaseCapacity": 1, "OnDemandPercentageAboveBaseCapacity": 0, "SpotAllocationStrategy": "price-capacity-optimized"}),
            "LaunchTemplate": Match.object_like({"Overrides": Match.array_with([{"InstanceType": "m7i.large"}])})},
    })
    template.has_resource_properties("AWS::ECS::CapacityProvider", {"AutoScalingGroupProvider": Match.object_like({
        "ManagedScaling": Match.object_like({"Status": "ENABLED"}), "ManagedTerminationProtection": "ENABLED"})})


def test_only_the_gateway_sits_behind_the_alb_with_readyz(synthesized):
    _, template, _ = synthesized
    template.resource_count_is("AWS::ElasticLoadBalancingV2::TargetGroup", 1)
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {"HealthCheckPath": "/readyz", "Port": 8080})


def test_s3_notifications_go_to_sqs_for_knowledge_jsonl(synthesized):
    _, template, _ = synthesized
    notifications = template.find_resources("Custom::S3BucketNotifications")
    configuration = next(iter(notifications.values()))["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert {tuple(c["Events"]) for c in configuration} == {("s3:ObjectCreated:*",), ("s3:ObjectRemoved:*",)}
    for c in configuration:
        rules = {r["Name"]: r["Value"] for r in c["Filter"]["Key"]["FilterRules"]}
        assert rules == {"prefix": "knowledge/", "suffix": ".jsonl"}
    template.has_resource_properties("AWS::SQS::Queue", {"RedrivePolicy": Match.object_like({"maxReceiveCount": 5})})
    template.has_resource_properties("AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "Enabled"},
                                                         "PublicAccessBlockConfiguration": Match.object_like({"BlockPublicAcls": True})})


def test_each_service_scales_on_its_own_signal(synthesized):
    _, template, _ = synthesized
    policies = template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy")
    by_service = {}
    for logical_id, policy in policies.items():
        by_service.setdefault(logical_id.split("Service")[0], []).append(policy["Properties"])
    assert set(by_service) == {"Gateway", "Retriever", "Responder", "IngestWorker"}
    gateway = by_service["Gateway"]
    assert any(p.get("TargetTrackingScalingPolicyConfiguration", {}).get("PredefinedMetricSpecification", {}).get("PredefinedMetricType") == "ALBRequestCountPerTarget" for p in gateway)
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    groups = {d["Value"] for a in alarms.values() for d in a["Properties"].get("Dimensions", []) if d["Name"] == "Consumer Group"}
    assert groups == {"ragline-retriever", "ragline-responder", "ragline-ingest-worker"}


def test_secrets_are_injected_as_secrets_never_as_environment(synthesized):
    _, template, _ = synthesized
    found = containers(template)
    secret_names = {"HF_TOKEN", "PINECONE_API_KEY", "RAGLINE_CALLBACK_SECRET", "LLM_API_KEY"}
    for name, container in found.items():
        assert not {e["Name"] for e in container.get("Environment", [])} & secret_names, name
    assert {s["Name"] for s in found["responder"]["Secrets"]} == {"HF_TOKEN"}
    assert {s["Name"] for s in found["gateway"]["Secrets"]} == {"RAGLINE_CALLBACK_SECRET"}


def test_ingest_worker_reads_the_bucket_and_the_responder_cannot(synthesized):
    _, template, _ = synthesized
    policies = template.find_resources("AWS::IAM::Policy")

    def actions(role_prefix):
        found = set()
        for policy in policies.values():
            if any(r.get("Ref", "").startswith(role_prefix) for r in policy["Properties"]["Roles"]):
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                    found.update(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
        return found

    assert "s3:GetObject*" in actions("IngestWorkerTaskRole")
    assert "sqs:ReceiveMessage" in actions("IngestWorkerTaskRole")
    assert not any(a.startswith(("s3:", "sqs:")) for a in actions("ResponderTaskRole"))
    assert "kafka-cluster:Connect" in actions("ResponderTaskRole")


def test_cdk_nag_leaves_no_unsuppressed_error(synthesized):
    stack, _, _ = synthesized
    errors = Annotations.from_stack(stack).find_error("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert errors == [], "\n".join(str(e.entry.data) for e in errors)


def test_cfn_lint_is_clean(synthesized):
    _, _, out = synthesized
    templates = sorted(str(p) for p in pathlib.Path(out).glob("*.template.json"))
    assert templates
    cfn_lint = pathlib.Path(sys.executable).parent / "cfn-lint"
    # W3005 (a DependsOn also implied by a Ref) is emitted by CDK's own helpers (custom resources, bucket
    # notifications, ECS services), which Ragline's code cannot change.
    result = subprocess.run([str(cfn_lint), "--ignore-checks", "W3005", "--", *templates], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
