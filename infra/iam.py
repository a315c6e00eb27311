"""Least privilege for the functions: the stage's policy file, scoped to what the stack itself creates.

``.chalice/policy-<stage>.json`` says which actions the functions need (``chalice deploy`` uses
it as written). It cannot name what only exists once the stack does, so the template replaces
each role's policy with the same statements, scoped: logs to the function's own log group
(created by the template, so no ``logs:CreateLogGroup``), Cognito to the stage's user pool, IoT
commands to the stage's topic prefix, and every other ARN to the stack's region and account.
"""

from __future__ import annotations

import re
from typing import Any

from iot.policy import DEFAULT_TOPIC_PREFIX

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
_ANY_REGION_ACCOUNT = re.compile(r"^arn:aws:([a-z0-9-]+):\*:\*:(.*)$")


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def _resources(statement: dict[str, Any]) -> list[Any]:
    resource = statement.get("Resource", [])
    return [resource] if isinstance(resource, str) else list(resource)


def stack_arn(service: str, rest: str) -> dict[str, str]:
    """An ARN in this stack's partition, region and account."""
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{rest}"}


def _scoped_resource(resource: Any, topic_prefix: str) -> Any:
    if not isinstance(resource, str):
        return resource
    match = _ANY_REGION_ACCOUNT.match(resource)
    if not match:
        return resource
    service, rest = match.groups()
    if service == "iot":
        rest = rest.replace(f"topic/{DEFAULT_TOPIC_PREFIX}/", f"topic/{topic_prefix}/")
    return stack_arn(service, rest)


def log_statement(log_group: str) -> dict[str, Any]:
    return {
        "Sid": "OwnLogGroup",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
    }


def scoped_policy(policy: dict[str, Any], log_group: str, user_pool: str, topic_prefix: str) -> dict[str, Any]:
    """``policy`` with its resources scoped to this stack (log group and user pool are logical ids)."""
    statements = []
    for statement in policy["Statement"]:
        services = {action.split(":", 1)[0] for action in _actions(statement)}
        scoped = dict(statement)
        if services == {"logs"}:
            scoped = {**log_statement(log_group), "Sid": statement.get("Sid", "OwnLogGroup")}
        elif services == {"cognito-idp"}:
            scoped["Resource"] = {"Fn::GetAtt": [user_pool, "Arn"]}
        else:
            resources = [_scoped_resource(r, topic_prefix) for r in _resources(statement)]
            scoped["Resource"] = resources[0] if len(resources) == 1 else resources
        statements.append(scoped)
    return {"Version": policy.get("Version", "2012-10-17"), "Statement": statements}


def role(policy_name: str, document: dict[str, Any]) -> dict[str, Any]:
    """A Lambda execution role with one inline policy."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": LAMBDA_TRUST,
            "Policies": [{"PolicyName": policy_name, "PolicyDocument": document}],
        },
    }
