"""boto3 clients for a scope, and AWS's errors in words people can act on.

Credentials come from boto3's standard chain (environment, profile, instance or task role);
nothing secret is stored. A scope that names a role is read with temporary credentials from
STS AssumeRole. AWS_ENDPOINT_URL points every client at an AWS-compatible server (moto).
"""

from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from django.conf import settings

from .models import AlarmScope

ROLE_SESSION_NAME = "opsreview"
ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]
# A beat task must not hang on an unreachable endpoint: a few seconds, one retry.
CLIENT_CONFIG = Config(
    connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 2}
)

THROTTLED = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests"}
EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "OptInRequired",
}


def endpoint_url(override: str | None = None) -> str | None:
    return override or settings.AWS_ENDPOINT_URL or None


def client_for(scope: AlarmScope, service_name: str, *, endpoint: str | None = None):
    """A client for `service_name` in the scope's region, as the scope's role when it names one."""
    url = endpoint_url(endpoint)
    options = {"region_name": scope.region, "endpoint_url": url, "config": CLIENT_CONFIG}
    if not scope.role_arn:
        return boto3.client(service_name, **options)
    sts = boto3.client("sts", **options)
    credentials = sts.assume_role(RoleArn=scope.role_arn, RoleSessionName=ROLE_SESSION_NAME)[
        "Credentials"
    ]
    return boto3.client(
        service_name,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        **options,
    )


def describe_alarms(client, prefixes: list[str]) -> Iterator[tuple[str, dict]]:
    """(kind, alarm) for every metric and composite alarm whose name starts with a prefix, each
    once, page after page."""
    seen: set[str] = set()
    paginator = client.get_paginator("describe_alarms")
    for prefix in prefixes:
        for page in paginator.paginate(AlarmTypes=ALARM_TYPES, AlarmNamePrefix=prefix):
            for kind, key in (("metric", "MetricAlarms"), ("composite", "CompositeAlarms")):
                for alarm in page.get(key, []):
                    if alarm["AlarmName"] not in seen:
                        seen.add(alarm["AlarmName"])
                        yield kind, alarm


def _role_words(scope: AlarmScope) -> str:
    return f"the role {scope.role_arn}" if scope.role_arn else "opsreview's AWS credentials"


def describe_error(error: BotoCoreError | ClientError, scope: AlarmScope) -> str:
    """What went wrong reading the scope, and what to do about it."""
    where = f"CloudWatch in {scope.region}"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "") or str(error)
        if code in THROTTLED:
            return f"AWS throttled the requests to {where} ({code}); the next try waits longer."
        if code in EXPIRED:
            return (
                f"The credentials used for {where} have expired ({code}): renew them, or "
                "let the instance or task role refresh them."
            )
        if code in DENIED:
            return (
                f"AWS refused access to {where} ({code}: {message}). Give {_role_words(scope)} "
                "cloudwatch:DescribeAlarms"
                + (", and opsreview's credentials sts:AssumeRole on it." if scope.role_arn else ".")
            )
        return f"{where} answered {code or 'an error'}: {message}"
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return (
            "No AWS credentials were found: set them in the environment, a profile or the "
            "instance or task role opsreview runs with."
        )
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError):
        return (
            f"Could not reach {where} ({error}). Check that the region exists and is enabled "
            "for the account, and that the network allows the connection."
        )
    if isinstance(error, NoRegionError):
        return "No region was given for the scope."
    return f"Reading {where} failed: {error}"
