"""Builds the MSK IAM token independently with botocore's query signer (as aws-msk-iam-sasl-signer does)."""
import base64
import datetime
import sys
from unittest import mock

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

key, secret, token, region, timestamp, agent = sys.argv[1:7]
when = datetime.datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ")
request = AWSRequest(method="GET", url=f"https://kafka.{region}.amazonaws.com/", params={"Action": "kafka-cluster:Connect"})
import botocore.auth
clock = "get_current_datetime" if hasattr(botocore.auth, "get_current_datetime") else None
if clock:
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4QueryAuth(Credentials(key, secret, token or None), "kafka-cluster", region, expires=900).add_auth(request)
else:
    with mock.patch("botocore.auth.datetime") as patched:
        patched.datetime.utcnow.return_value = when
        SigV4QueryAuth(Credentials(key, secret, token or None), "kafka-cluster", region, expires=900).add_auth(request)
url = request.prepare().url + f"&User-Agent={agent}"
print(base64.urlsafe_b64encode(url.encode()).decode().rstrip("="))
