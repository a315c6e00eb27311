"""Reading a CloudFormation template as an auditor would: resources by type, IAM documents, rendered ARNs."""

from __future__ import annotations

import json
import re
from typing import Any

# Actions AWS defines on no resource (SMS goes to phone numbers, SMS preferences are account-wide).
ACCOUNT_WIDE_ACTIONS = {"sns:Publish", "sns:GetSMSAttributes", "sns:SetSMSAttributes"}
REGION, ACCOUNT = "eu-central-1", "123456789012"


def resources_of(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def policy_documents(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every IAM policy document in the template: inline role policies (as merged) and AWS::IAM::Policy."""
    documents = {}
    for name, resource in template["Resources"].items():
        for policy in resource.get("Properties", {}).get("Policies", []) if name.endswith("Role") else []:
            documents[f"{name}/{policy['PolicyName']}"] = policy["PolicyDocument"]
        if resource.get("Type") == "AWS::IAM::Policy":
            documents[name] = resource["Properties"]["PolicyDocument"]
    return documents


def unscoped_statements(template: dict[str, Any]) -> list[str]:
    """Statements granting a literal resource with a wildcard region, account or name (``*``), except
    the account-wide SNS actions; log and Cognito statements must name the stack's own resources."""
    found = []
    for where, document in policy_documents(template).items():
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            services = {a.split(":")[0] for a in actions}
            for resource in resources:
                text = resource if isinstance(resource, str) else json.dumps(resource)
                if resource == "*" and set(actions) <= ACCOUNT_WIDE_ACTIONS:
                    continue
                literal = isinstance(resource, str) or ":*:" in text or "userpool/*" in text
                not_own = bool(services & {"logs", "cognito-idp"}) and "Fn::GetAtt" not in text
                if literal or not_own:
                    found.append(f"{where} {statement.get('Sid', '')} {actions} {text}")
    return found


def resolve(value: Any) -> Any:
    """``value`` with each Fn::Sub rendered for the test account and region, as CloudFormation renders a policy."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]
        for name, real in (("AWS::Partition", "aws"), ("AWS::Region", REGION), ("AWS::AccountId", ACCOUNT)):
            text = text.replace("${" + name + "}", real)
        return re.sub(r"\$\{!", "${", text)
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value
