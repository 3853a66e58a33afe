"""One stack, built from the parts of the original system plus what independent scaling needs:
network, messaging (MSK), knowledge ingestion (S3 -> SQS), compute (ECS on EC2 with Spot), and one ECS
service per role, each scaling on its own signal. Every name used here comes from the README's
configuration table."""
import pathlib
import re

from aws_cdk import (
    CfnOutput, CustomResource, Duration, Fn, RemovalPolicy, Stack,
    aws_applicationautoscaling as appscaling,
    aws_autoscaling as autoscaling,
    aws_cloudwatch as cloudwatch,
    aws_ec2 as ec2,
    aws_ecr_assets as ecr_assets,
    aws_ecs as ecs,
    aws_elasticloadbalancingv2 as elbv2,
    aws_iam as iam,
    aws_lambda as lambda_,
    aws_logs as logs,
    aws_msk as msk,
    aws_s3 as s3,
    aws_s3_notifications as s3n,
    aws_secretsmanager as secretsmanager,
    aws_sqs as sqs,
    aws_stepfunctions as sfn,
    custom_resources as cr,
)
from cdk_nag import NagSuppressions
from constructs import Construct

ROLES = {
    # role: (command, cpu, memory MiB, admin port, consumer group, topic it consumes)
    "gateway": (["gateway"], 512, 1024, 8080, "ragline-gateway-callbacks", "rag.answers"),
    "retriever": (["retriever"], 1024, 1536, 9101, "ragline-retriever", "rag.questions"),
    "responder": (["responder"], 512, 1024, 9102, "ragline-responder", "rag.retrievals"),
    # In AWS the ingest worker reads the SQS queue (RAGLINE_INGEST_SOURCE=sqs): no consumer group, no lag.
    "ingest-worker": (["ingest-worker"], 1024, 1536, 9103, None, None),
}
TOPICS = ["rag.questions", "rag.retrievals", "rag.answers", "rag.ingest.events"]

# Network interfaces per instance, from AWS's EC2 table for the m5, m6i, m7i and m7a families (all x86_64,
# which the linux/amd64 image needs). Each awsvpc task takes one and the instance keeps its primary one, so
# without ENI trunking an instance holds ENIs - 1 tasks, whatever its CPU and memory.
NETWORK_INTERFACES = {"large": 3, "xlarge": 4, "2xlarge": 4, "4xlarge": 8}
X86_FAMILIES = ("m5", "m6i", "m7i", "m7a")
SECRET_OUTPUTS = {"HF_TOKEN": "HfToken", "PINECONE_API_KEY": "PineconeApiKey", "RAGLINE_CALLBACK_SECRET": "Callback"}

# The topics task as a custom resource that fails the deployment when `ragline topics` fails: on_event starts
# the task, is_complete polls it (through the Provider framework's waiter) until it stops, and raises unless
# its exit code is 0. An AwsCustomResource could only start it and never see the result.
TOPICS_HANDLER = """
import boto3

ecs = boto3.client("ecs")


def on_event(event, _context):
    if event["RequestType"] == "Delete":  # topics outlive the stack's tasks: nothing to undo
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    p = event["ResourceProperties"]
    started = ecs.run_task(
        cluster=p["Cluster"], taskDefinition=p["TaskDefinition"], count=1,
        capacityProviderStrategy=[{"capacityProvider": p["CapacityProvider"], "weight": 1}],
        networkConfiguration={"awsvpcConfiguration": {"subnets": p["Subnets"], "securityGroups": p["SecurityGroups"]}})
    if not started["tasks"]:
        raise RuntimeError(f"RunTask started no task: {started['failures']}")
    return {"PhysicalResourceId": "ragline-topics", "Data": {"TaskArn": started["tasks"][0]["taskArn"]}}


def is_complete(event, _context):
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    task = ecs.describe_tasks(cluster=event["ResourceProperties"]["Cluster"], tasks=[event["Data"]["TaskArn"]])["tasks"][0]
    if task["lastStatus"] != "STOPPED":
        return {"IsComplete": False}
    code = task["containers"][0].get("exitCode")
    if code != 0:
        raise RuntimeError(f"ragline topics stopped with exit code {code} ({task.get('stoppedReason')}); see the TopicsLogs log group")
    return {"IsComplete": True}
"""


class RaglineStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        def context(key, default=None):
            """A context value. `-c key=value` passes strings, so numbers and lists follow their defaults' type."""
            value = self.node.try_get_context(key)
            if value is None:
                return default
            if isinstance(value, str) and isinstance(default, int):
                return int(value)
            if isinstance(value, str) and isinstance(default, list):
                return value.split(",")
            return value

        # Network: two AZs, public subnets for the ALB, private ones for tasks; endpoints save NAT traffic.
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1, ip_addresses=ec2.IpAddresses.cidr(context("vpcCidr", "10.0.0.0/16")), subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
            ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22),
        ])
        vpc.add_flow_log("FlowLog")
        vpc.add_gateway_endpoint("S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3)
        for name, service in {
            "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS, "Secrets": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM, "Ecr": ec2.InterfaceVpcEndpointAwsService.ECR,
            "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        }.items():
            vpc.add_interface_endpoint(f"{name}Endpoint", service=service, private_dns_enabled=True)
        tasks_sg = ec2.SecurityGroup(self, "TasksSg", vpc=vpc, description="Ragline tasks")

        # Messaging: MSK with IAM auth (serverless or provisioned by context), or an existing cluster's brokers.
        existing = context("kafkaBootstrap")
        if existing:
            # The cluster's ARN names it in the IAM policies and in the lag metric, so it is required.
            cluster_arn = context("kafkaClusterArn")
            if not cluster_arn:
                raise ValueError("-c kafkaBootstrap needs -c kafkaClusterArn=arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>")
            brokers = existing
            if context("kafkaSecurityGroupId"):
                # The cluster sits in another VPC (reached by peering or a transit gateway), so the rule names
                # this VPC's address range: a security group of another VPC cannot be referenced everywhere.
                ec2.SecurityGroup.from_security_group_id(self, "KafkaSg", context("kafkaSecurityGroupId")).add_ingress_rule(
                    ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(9098), "Kafka IAM from the Ragline VPC")
            replication = 3
        else:
            kafka_sg = ec2.SecurityGroup(self, "KafkaSg", vpc=vpc, description="MSK brokers")
            kafka_sg.add_ingress_rule(tasks_sg, ec2.Port.tcp(9098), "Kafka IAM from the tasks")
            private = [s.subnet_id for s in vpc.private_subnets]
            if context("msk", "serverless") == "provisioned":
                broker_count = context("mskBrokers", 2)  # a multiple of the two AZs
                cluster = msk.CfnCluster(
                    self, "Kafka", cluster_name="ragline", kafka_version="3.6.0", number_of_broker_nodes=broker_count,
                    broker_node_group_info=msk.CfnCluster.BrokerNodeGroupInfoProperty(
                        client_subnets=private, instance_type="kafka.m7g.large", security_groups=[kafka_sg.security_group_id]),
                    client_authentication=msk.CfnCluster.ClientAuthenticationProperty(
                        sasl=msk.CfnCluster.SaslProperty(iam=msk.CfnCluster.IamProperty(enabled=True))),
                    encryption_info=msk.CfnCluster.EncryptionInfoProperty(
                        encryption_in_transit=msk.CfnCluster.EncryptionInTransitProperty(client_broker="TLS", in_cluster=True)),
                    logging_info=msk.CfnCluster.LoggingInfoProperty(broker_logs=msk.CfnCluster.BrokerLogsProperty(
                        cloud_watch_logs=msk.CfnCluster.CloudWatchLogsProperty(enabled=True, log_group=logs.LogGroup(
                            self, "KafkaLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY).log_group_name))),
                )
                # A copy of every partition on two or three brokers, so partitions stay online while MSK patches one.
                replication = min(3, broker_count)
            else:
                cluster = msk.CfnServerlessCluster(
                    self, "Kafka", cluster_name="ragline",
                    client_authentication=msk.CfnServerlessCluster.ClientAuthenticationProperty(
                        sasl=msk.CfnServerlessCluster.SaslProperty(iam=msk.CfnServerlessCluster.IamProperty(enabled=True))),
                    vpc_configs=[msk.CfnServerlessCluster.VpcConfigProperty(subnet_ids=private, security_groups=[kafka_sg.security_group_id])],
                )
                # MSK Serverless replicates partitions itself, three times across AZs; `ragline topics` must send
                # a positive factor, so it asks for the same.
                replication = 3
            cluster_arn = cluster.attr_arn
            # CloudFormation does not expose bootstrap brokers: read them once through the MSK API.
            bootstrap = cr.AwsCustomResource(
                self, "KafkaBootstrap",
                on_update=cr.AwsSdkCall(service="Kafka", action="getBootstrapBrokers", parameters={"ClusterArn": cluster_arn},
                                        physical_resource_id=cr.PhysicalResourceId.of(cluster_arn)),
                policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[cluster_arn]),
                install_latest_aws_sdk=False,
            )
            brokers = bootstrap.get_response_field("BootstrapBrokerStringSaslIam")
        replication = context("kafkaReplicationFactor", replication)
        # MSK's ARNs: cluster/<name>/<uuid>, topic/<name>/<uuid>/<topic>, group/<name>/<uuid>/<group>.
        cluster_name = Fn.select(1, Fn.split("/", cluster_arn))
        arn_head, cluster_path = Fn.split(":cluster/", cluster_arn, 2)

        # Knowledge ingestion: uploads and deletions of knowledge/*.jsonl notify an SQS queue (with a DLQ).
        access_logs = s3.Bucket(self, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
                                block_public_access=s3.BlockPublicAccess.BLOCK_ALL, removal_policy=RemovalPolicy.RETAIN)
        bucket = s3.Bucket(self, "Knowledge", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True, versioned=True,
                           block_public_access=s3.BlockPublicAccess.BLOCK_ALL, server_access_logs_bucket=access_logs,
                           server_access_logs_prefix="knowledge/", removal_policy=RemovalPolicy.RETAIN)
        dead_letters = sqs.Queue(self, "IngestDlq", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED,
                                 retention_period=Duration.days(14))
        queue = sqs.Queue(self, "IngestQueue", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED,
                          visibility_timeout=Duration.minutes(5),
                          dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=dead_letters))
        for event in (s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED):
            bucket.add_event_notification(event, s3n.SqsDestination(queue), s3.NotificationKeyFilter(prefix="knowledge/", suffix=".jsonl"))

        # Secrets: created with random placeholder values; the real ones are put in after deployment (README),
        # and the services are redeployed, since ECS reads secrets only when a task starts.
        secrets = {
            name: secretsmanager.Secret(self, f"{name.title().replace('_', '')}Secret", description=f"Ragline {name}")
            for name in ("HF_TOKEN", "PINECONE_API_KEY", "RAGLINE_CALLBACK_SECRET")
        }

        # Compute: ECS on EC2, Spot across several instance types over an on-demand base, drained on interruption.
        instance_types = [self._x86_64(t) for t in context("instanceTypes", ["m7i.large", "m6i.large", "m5.large", "m7a.large"])]
        tasks_per_instance = context("tasksPerInstance", 0) or min(self._task_slots(t) for t in instance_types)
        ecs_cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        launch_template = ec2.LaunchTemplate(
            self, "LaunchTemplate", machine_image=ecs.EcsOptimizedImage.amazon_linux2023(), require_imdsv2=True,
            role=iam.Role(self, "InstanceRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com")),
            security_group=tasks_sg, user_data=ec2.UserData.for_linux(),
            block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(40, encrypted=True))],
        )
        asg = autoscaling.AutoScalingGroup(
            self, "Instances", vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            min_capacity=context("asgMin", 2), max_capacity=context("asgMax", 17),
            mixed_instances_policy=autoscaling.MixedInstancesPolicy(
                launch_template=launch_template,
                launch_template_overrides=[autoscaling.LaunchTemplateOverrides(instance_type=ec2.InstanceType(t))
                                           for t in instance_types],
                instances_distribution=autoscaling.InstancesDistribution(
                    on_demand_base_capacity=context("onDemandBase", 1), on_demand_percentage_above_base_capacity=0,
                    spot_allocation_strategy=autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED),
            ),
            new_instances_protected_from_scale_in=True,
        )
        capacity = ecs.AsgCapacityProvider(self, "Capacity", auto_scaling_group=asg, enable_managed_scaling=True,
                                           enable_managed_termination_protection=True)
        ecs_cluster.add_asg_capacity_provider(capacity)
        # aws-cdk writes this only for a group with a spotPrice, which a mixed-instances policy has not: without it
        # a Spot interruption kills the tasks instead of draining them.
        asg.add_user_data("echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config")

        # One image for every role, built for the x86_64 instances whatever the build machine is; its context is
        # the repository minus .dockerignore, as for `docker build -f compose/Dockerfile .`.
        image = ecs.ContainerImage.from_registry(context("imageUri")) if context("imageUri") else ecs.ContainerImage.from_asset(
            str(pathlib.Path(__file__).resolve().parents[2]), file="compose/Dockerfile", platform=ecr_assets.Platform.LINUX_AMD64)

        common_environment = {
            "KAFKA_BROKERS": brokers, "KAFKA_SECURITY": "iam", "KAFKA_FETCH_WAIT_MAX_MS": "100",
            "KAFKA_PARTITIONS": str(context("kafkaPartitions", 6)), "AWS_REGION": self.region, "RAGLINE_LOG_LEVEL": "info",
        }
        kafka_policy = iam.PolicyStatement(actions=[
            "kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData",
            "kafka-cluster:WriteData", "kafka-cluster:CreateTopic", "kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup",
        ], resources=[cluster_arn] + [Fn.join("", [arn_head, f":{kind}/", cluster_path, "/*"]) for kind in ("topic", "group")])

        self.services = {}
        listener = None
        alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc, internet_facing=True, drop_invalid_header_fields=True)
        alb.log_access_logs(access_logs, prefix="alb")
        for role, (command, cpu, memory, port, group, topic) in ROLES.items():
            task_role = iam.Role(self, f"{self._camel(role)}TaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
            task_role.add_to_policy(kafka_policy)
            definition = ecs.Ec2TaskDefinition(self, f"{self._camel(role)}Task", network_mode=ecs.NetworkMode.AWS_VPC, task_role=task_role)
            environment = dict(common_environment)
            task_secrets = {}
            if role == "gateway":
                environment.update({"RAGLINE_PORT": "8080"})
                task_secrets["RAGLINE_CALLBACK_SECRET"] = ecs.Secret.from_secrets_manager(secrets["RAGLINE_CALLBACK_SECRET"])
            else:
                environment["RAGLINE_ADMIN_PORT"] = str(port)
            if role in ("retriever", "ingest-worker"):
                environment.update({"RAGLINE_VECTOR_INDEX": "pinecone", "PINECONE_INDEX": context("pineconeIndex", "ragline")})
                task_secrets["PINECONE_API_KEY"] = ecs.Secret.from_secrets_manager(secrets["PINECONE_API_KEY"])
            if role == "responder":
                environment.update({"RAGLINE_CHAT_MODEL": "openai", "LLM_MODEL": context("llmModel", "meta-llama/Llama-3.1-8B-Instruct")})
                task_secrets["HF_TOKEN"] = ecs.Secret.from_secrets_manager(secrets["HF_TOKEN"])
            if role == "ingest-worker":
                environment.update({"RAGLINE_OBJECT_STORE": "s3", "RAGLINE_INGEST_SOURCE": "sqs", "SQS_QUEUE_URL": queue.queue_url})
                bucket.grant_read(task_role)
                queue.grant_consume_messages(task_role)
            log_group = logs.LogGroup(self, f"{self._camel(role)}Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY)
            definition.add_container(
                role, image=image, command=command, cpu=cpu, memory_limit_mib=memory, environment=environment, secrets=task_secrets,
                logging=ecs.LogDriver.aws_logs(stream_prefix=role, log_group=log_group),
                port_mappings=[ecs.PortMapping(container_port=port)], stop_timeout=Duration.seconds(120),
                health_check=ecs.HealthCheck(command=["CMD", "ragline", "health", "--url", f"http://127.0.0.1:{port}/healthz"]),
            )
            service = ecs.Ec2Service(
                self, f"{self._camel(role)}Service", cluster=ecs_cluster, task_definition=definition, security_groups=[tasks_sg],
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                capacity_provider_strategies=[ecs.CapacityProviderStrategy(capacity_provider=capacity.capacity_provider_name, weight=1)],
                min_healthy_percent=100, max_healthy_percent=200, circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            )
            # ECS rejects a service naming a capacity provider not yet associated with its cluster. The association
            # is a child of the cluster that aws-cdk adds at synthesis, so depend on the whole cluster construct.
            service.node.add_dependency(ecs_cluster)
            key = self._context_key(role)
            scaling = service.auto_scale_task_count(min_capacity=context(f"{key}Min", 1), max_capacity=context(f"{key}Max", 10))
            scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=70)
            if role == "gateway":
                tasks_sg.add_ingress_rule(ec2.Peer.security_group_id(alb.connections.security_groups[0].security_group_id), ec2.Port.tcp(8080), "ALB to gateway")
                listener = alb.add_listener("Http", port=80, open=True)
                target_group = listener.add_targets("Gateway", port=8080, protocol=elbv2.ApplicationProtocol.HTTP, targets=[service],
                                                    health_check=elbv2.HealthCheck(path="/readyz", healthy_http_codes="200"),
                                                    deregistration_delay=Duration.seconds(30))
                scaling.scale_on_request_count("Requests", requests_per_target=500, target_group=target_group)
            elif role == "ingest-worker":
                # Files waiting in the queue (one message per uploaded or removed file).
                backlog = queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=Duration.minutes(1))
                scaling.scale_on_metric("Backlog", metric=backlog, adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY, scaling_steps=[
                    appscaling.ScalingInterval(upper=0, change=-1),
                    appscaling.ScalingInterval(lower=1, upper=20, change=+1),
                    appscaling.ScalingInterval(lower=20, change=+2),
                ])
            else:
                # Consumer lag of the role's own consumer group on the topic it reads (MSK metrics).
                lag = cloudwatch.Metric(namespace="AWS/Kafka", metric_name="SumOffsetLag", statistic="Maximum", period=Duration.minutes(1),
                                        dimensions_map={"Cluster Name": cluster_name, "Consumer Group": group, "Topic": topic})
                scaling.scale_on_metric("Lag", metric=lag, adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY, scaling_steps=[
                    appscaling.ScalingInterval(upper=10, change=-1),
                    appscaling.ScalingInterval(lower=100, upper=1000, change=+1),
                    appscaling.ScalingInterval(lower=1000, change=+3),
                ])
            self.services[role] = service

        # Every awsvpc task needs a network interface of its own: the services' maxima must fit on asgMax instances.
        most_tasks = sum(context(f"{self._context_key(role)}Max", 10) for role in ROLES)
        if most_tasks > context("asgMax", 17) * tasks_per_instance:
            raise ValueError(f"the services' maxima add up to {most_tasks} tasks, but asgMax {context('asgMax', 17)} instances hold "
                             f"{tasks_per_instance} awsvpc tasks each: raise asgMax or lower the maxima")

        # Topics: a one-shot `ragline topics` task run on every deployment that changes it, so no person creates them.
        topics_role = iam.Role(self, "TopicsTaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
        topics_role.add_to_policy(kafka_policy)
        topics_task = ecs.Ec2TaskDefinition(self, "TopicsTask", network_mode=ecs.NetworkMode.AWS_VPC, task_role=topics_role)
        topics_task.add_container("topics", image=image, command=["topics"], memory_limit_mib=512,
                                  environment={**common_environment, "KAFKA_REPLICATION_FACTOR": str(replication)},
                                  logging=ecs.LogDriver.aws_logs(stream_prefix="topics", log_group=logs.LogGroup(
                                      self, "TopicsLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY)))
        handlers = {name: lambda_.Function(self, f"Topics{self._camel(name)}", runtime=lambda_.Runtime.PYTHON_3_14, handler=f"index.{name}",
                                           code=lambda_.Code.from_inline(TOPICS_HANDLER), timeout=Duration.seconds(30))
                    for name in ("on_event", "is_complete")}
        handlers["on_event"].add_to_role_policy(iam.PolicyStatement(actions=["ecs:RunTask"], resources=[topics_task.task_definition_arn]))
        handlers["on_event"].add_to_role_policy(iam.PolicyStatement(
            actions=["iam:PassRole"], resources=[topics_role.role_arn, topics_task.execution_role.role_arn]))
        handlers["is_complete"].add_to_role_policy(iam.PolicyStatement(actions=["ecs:DescribeTasks"], resources=[
            self.format_arn(service="ecs", resource="task", resource_name=f"{ecs_cluster.cluster_name}/*")]))
        topics_provider = cr.Provider(
            self, "TopicsProvider", on_event_handler=handlers["on_event"], is_complete_handler=handlers["is_complete"],
            query_interval=Duration.seconds(20), total_timeout=Duration.minutes(30),  # time for instances to launch
            disable_waiter_state_machine_logging=False, waiter_state_machine_log_options=cr.LogOptions(level=sfn.LogLevel.ALL, destination=logs.LogGroup(
                self, "TopicsWaiterLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY)))
        NagSuppressions.add_resource_suppressions(topics_provider, [{"id": "AwsSolutions-SF2", "reason": (
            "The waiter state machine is aws-cdk's Provider framework, which offers no X-Ray setting; it logs ALL events.")}], apply_to_children=True)
        run_topics = CustomResource(self, "CreateTopics", service_token=topics_provider.service_token, properties={
            "Cluster": ecs_cluster.cluster_name, "TaskDefinition": topics_task.task_definition_arn,
            "CapacityProvider": capacity.capacity_provider_name,
            "Subnets": [s.subnet_id for s in vpc.private_subnets], "SecurityGroups": [tasks_sg.security_group_id],
        })
        run_topics.node.add_dependency(ecs_cluster)  # the capacity-provider association, as for the services
        for service in self.services.values():
            service.node.add_dependency(run_topics)  # services start once their topics exist

        CfnOutput(self, "GatewayUrl", value=f"http://{alb.load_balancer_dns_name}")
        CfnOutput(self, "KnowledgeBucket", value=bucket.bucket_name)
        CfnOutput(self, "IngestQueueUrl", value=queue.queue_url)
        CfnOutput(self, "UploadCommand", value=f"aws s3 cp examples/knowledge/transport.jsonl s3://{bucket.bucket_name}/knowledge/transport/transport.jsonl")
        CfnOutput(self, "AskCommand", value=f"curl -s http://{alb.load_balancer_dns_name}/v1/chat -H 'content-type: application/json' -d '{{\"question\":\"How can I buy a train ticket?\"}}'")
        # What the README's secret and redeploy commands need.
        for name, secret in secrets.items():
            CfnOutput(self, f"{SECRET_OUTPUTS[name]}SecretArn", value=secret.secret_arn, description=f"Secret holding {name}")
        CfnOutput(self, "ClusterName", value=ecs_cluster.cluster_name)
        for role, service in self.services.items():
            CfnOutput(self, f"{self._camel(role)}ServiceName", value=service.service_name)

        self._suppressions(listener)

    @staticmethod
    def _camel(role: str) -> str:
        return "".join(part.title() for part in role.replace("_", "-").split("-"))

    @staticmethod
    def _context_key(role: str) -> str:
        parts = role.split("-")
        return parts[0] + "".join(p.title() for p in parts[1:])

    @staticmethod
    def _x86_64(instance_type: str) -> str:
        family = instance_type.split(".")[0]
        generation = re.fullmatch(r"[a-z]+\d+([a-z-]*)", family)
        if generation and "g" in generation.group(1):  # m7g, c6gn, r8gd: Graviton
            raise ValueError(f"{instance_type} is arm64 (Graviton); the image is built for linux/amd64")
        return instance_type

    @staticmethod
    def _task_slots(instance_type: str) -> int:
        family, _, size = instance_type.partition(".")
        if family not in X86_FAMILIES or size not in NETWORK_INTERFACES:
            raise ValueError(f"{instance_type}: its network interface count is not in stack.py; set -c tasksPerInstance "
                             "(its interfaces minus one, or more with ENI trunking)")
        return NETWORK_INTERFACES[size] - 1

    def _suppressions(self, listener) -> None:
        NagSuppressions.add_stack_suppressions(self, [
            {"id": "AwsSolutions-IAM4", "reason": "AWS-managed policies are used only by CDK's own helper functions (custom resources, notification handler, the topics task's handlers) and the ECS instance role, as AWS documents them."},
            {"id": "AwsSolutions-IAM5", "reason": "Wildcards are limited to Ragline's own topic/group prefixes on its cluster, the cluster's task ARNs (DescribeTasks of the topics task), CDK's bucket-read grant (object keys), and CDK-generated helpers."},
            {"id": "AwsSolutions-L1", "reason": "The older Lambda runtimes belong to CDK's own custom-resource and bucket-notification helpers; the topics handlers use the latest Python."},
            {"id": "AwsSolutions-EC23", "reason": "The ALB is the public entry point: port 80 is open to the internet on purpose; tasks accept only the ALB."},
            {"id": "AwsSolutions-ELB2", "reason": "Access logs are enabled (log_access_logs); the rule does not see the bucket of a cross-construct call."},
            {"id": "AwsSolutions-AS3", "reason": "Scaling events go to the ECS capacity provider, which manages the group; notifications would duplicate ECS events."},
            {"id": "AwsSolutions-ECS2", "reason": "Environment values are non-secret settings (broker addresses, names); secrets come from Secrets Manager as ECS secrets."},
            {"id": "AwsSolutions-SMG4", "reason": "The secrets are third-party API keys (Hugging Face, Pinecone) and the callback key; they cannot be rotated automatically."},
            {"id": "AwsSolutions-S1", "reason": "The access-log bucket itself cannot log to itself; the knowledge bucket logs into it."},
            {"id": "AwsSolutions-MSK6", "reason": "Broker logs are sent to CloudWatch for the provisioned cluster; MSK Serverless has no broker logs."},
        ])
