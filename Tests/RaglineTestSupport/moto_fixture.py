"""Sets up and drives moto_server for the AWS tests, with boto3 (an independent AWS client).

setup ENDPOINT: IAM user + policy + access key (the only calls made before signature checking starts),
then, as that user, a bucket and a queue with S3 -> SQS notifications for knowledge/*.jsonl. Prints JSON.
put ENDPOINT KEY_ID SECRET BUCKET KEY FILE / delete ENDPOINT KEY_ID SECRET BUCKET KEY: as that user.
"""
import json
import sys

import boto3

REGION = "us-east-1"


def client(service, endpoint, key_id="testing", secret="testing"):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=key_id, aws_secret_access_key=secret)


def setup(endpoint):
    iam = client("iam", endpoint)
    iam.create_user(UserName="ragline")
    policy = iam.create_policy(PolicyName="ragline-ingest", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"}],
    }))
    iam.attach_user_policy(UserName="ragline", PolicyArn=policy["Policy"]["Arn"])
    key = iam.create_access_key(UserName="ragline")["AccessKey"]
    key_id, secret = key["AccessKeyId"], key["SecretAccessKey"]

    s3 = client("s3", endpoint, key_id, secret)
    sqs = client("sqs", endpoint, key_id, secret)
    bucket = "ragline-knowledge"
    s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName="ragline-ingest")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
        "QueueArn": queue_arn,
        "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "knowledge/"}, {"Name": "suffix", "Value": ".jsonl"}]}},
    }]})
    print(json.dumps({"access_key_id": key_id, "secret_access_key": secret, "queue_url": queue_url, "bucket": bucket}))


def main():
    command, endpoint = sys.argv[1], sys.argv[2]
    if command == "setup":
        setup(endpoint)
    elif command == "put":
        key_id, secret, bucket, key, path = sys.argv[3:8]
        client("s3", endpoint, key_id, secret).upload_file(path, bucket, key)
    elif command == "delete":
        key_id, secret, bucket, key = sys.argv[3:7]
        client("s3", endpoint, key_id, secret).delete_object(Bucket=bucket, Key=key)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
