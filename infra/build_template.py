"""Write the CloudFormation template merged into ``chalice package``: tables (from the pynamodb
models, so the code and the infrastructure cannot drift), the IoT rules, the locker policy, the
dead-letter queue, the Cognito user pool and the wiring of their names into the functions.

Usage: python -m infra.build_template STAGE OUTPUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.config import Settings
from chalicelib.storage import models
from iot.policy import cloudformation_arns, locker_policy

TTL_ATTRIBUTES = {
    "contacts": "erase_at",
    "credentials": "ttl",
    "lockers": "ttl",
    "locker-events": "ttl",
    "commands": "ttl",
    "verifications": "ttl",
}
FUNCTIONS = ("APIHandler", "ScheduledJob", "LockerEvents")
SEND_TO_DEAD_LETTER = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["LockerEventsDeadLetter", "Arn"]}}
    ],
}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def _keys(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    """HASH before RANGE, as CloudFormation requires."""
    return sorted(
        ({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in key_schema),
        key=lambda k: k["KeyType"] != "HASH",
    )


def table_resource(model: type[Any], base: str, stage: str) -> dict[str, Any]:
    schema = model._get_schema()
    properties: dict[str, Any] = {
        "TableName": f"eps2-{stage}-{base}",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": sorted(schema["attribute_definitions"], key=lambda a: a["AttributeName"]),
        "KeySchema": _keys(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "DeletionProtectionEnabled": True,
    }
    indexes = schema.get("global_secondary_indexes") or []
    if indexes:
        properties["GlobalSecondaryIndexes"] = [
            {
                "IndexName": gsi["index_name"],
                "KeySchema": _keys(gsi["key_schema"]),
                "Projection": {"ProjectionType": gsi["projection"]["ProjectionType"]},
            }
            for gsi in indexes
        ]
    if base in TTL_ATTRIBUTES:
        properties["TimeToLiveSpecification"] = {"AttributeName": TTL_ATTRIBUTES[base], "Enabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }


def iot_rule(sql: str) -> dict[str, Any]:
    return {
        "Type": "AWS::IoT::TopicRule",
        "Properties": {
            "TopicRulePayload": {
                "AwsIotSqlVersion": "2016-03-23",
                "RuleDisabled": False,
                "Sql": sql,
                "Actions": [{"Lambda": {"FunctionArn": {"Fn::GetAtt": ["LockerEvents", "Arn"]}}}],
                "ErrorAction": {
                    "Sqs": {
                        "QueueUrl": {"Ref": "LockerEventsDeadLetter"},
                        "RoleArn": {"Fn::GetAtt": ["IotRuleErrorRole", "Arn"]},
                    }
                },
            }
        },
    }


def build(stage: str) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for model, base in models._BASE_NAMES.items():
        resources[f"{_camel(base)}Table"] = table_resource(model, base, stage)
    resources["LockerEventsDeadLetter"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": f"eps2-{stage}-locker-events-dlq",
            "MessageRetentionPeriod": 1209600,
            "SqsManagedSseEnabled": True,
        },
    }
    resources["LockerEventsRule"] = iot_rule("SELECT *, topic(3) AS locker FROM 'eps2/lockers/+/evt'")
    resources["LockerStatusRule"] = iot_rule(
        "SELECT *, topic(3) AS locker, 'status' AS channel FROM 'eps2/lockers/+/status'"
    )
    for rule in ("LockerEventsRule", "LockerStatusRule"):
        resources[f"{rule}InvokePermission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "LockerEvents"},
                "Principal": "iot.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": [rule, "Arn"]},
                "SourceAccount": {"Ref": "AWS::AccountId"},
            },
        }
    resources["LockerEventsFailureDestination"] = {
        "Type": "AWS::Lambda::EventInvokeConfig",
        "Properties": {
            "FunctionName": {"Ref": "LockerEvents"},
            "Qualifier": "$LATEST",
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 3600,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["LockerEventsDeadLetter", "Arn"]}}},
        },
    }
    resources["IotRuleErrorRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "iot.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "Policies": [
                {"PolicyName": "dead-letter", "PolicyDocument": SEND_TO_DEAD_LETTER},
            ],
        },
    }
    resources["LockerEventsDeadLetterPolicy"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "on-failure-destination",
            "Roles": [{"Ref": "LockerEventsRole"}],
            "PolicyDocument": SEND_TO_DEAD_LETTER,
        },
    }
    resources["LockerPolicy"] = {
        "Type": "AWS::IoT::Policy",
        "Properties": {"PolicyName": f"eps2-{stage}-locker", "PolicyDocument": locker_policy(cloudformation_arns())},
    }
    resources["StaffUserPool"] = {
        "Type": "AWS::Cognito::UserPool",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "UserPoolName": f"eps2-{stage}-staff",
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "MfaConfiguration": "OPTIONAL",
            "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireUppercase": True,
                    "RequireSymbols": False,
                    "TemporaryPasswordValidityDays": 3,
                }
            },
            "UserPoolAddOns": {"AdvancedSecurityMode": "OFF"},
            "DeletionProtection": "ACTIVE",
        },
    }
    resources["StaffUserPoolClient"] = {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {
            "UserPoolId": {"Ref": "StaffUserPool"},
            "ClientName": "eps2-staff-console",
            "GenerateSecret": False,
            "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED",
        },
    }
    for group in ("clerk", "admin"):
        resources[f"StaffGroup{group.capitalize()}"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"GroupName": group, "UserPoolId": {"Ref": "StaffUserPool"}},
        }
    for function in FUNCTIONS:
        resources[function] = {
            "Properties": {
                "Environment": {
                    "Variables": {
                        "EPS2_COGNITO_USER_POOL_ID": {"Ref": "StaffUserPool"},
                        "EPS2_COGNITO_CLIENT_ID": {"Ref": "StaffUserPoolClient"},
                    }
                }
            }
        }
    return {
        "Resources": resources,
        "Outputs": {
            "StaffUserPoolId": {"Value": {"Ref": "StaffUserPool"}},
            "LockerPolicyName": {"Value": {"Ref": "LockerPolicy"}},
            "LockerEventsDeadLetterUrl": {"Value": {"Ref": "LockerEventsDeadLetter"}},
        },
    }


def main() -> int:
    stage, output = sys.argv[1], Path(sys.argv[2])
    models.bind(Settings(table_prefix=f"eps2-{stage}"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(build(stage), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
