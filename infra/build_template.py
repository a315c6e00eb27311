"""Write the CloudFormation template merged into ``chalice package``: tables (from the pynamodb
models, so the code and the infrastructure cannot drift), the IoT rules and the locker policy (from
the stage's topic prefix), the dead-letter queue and its redacting forwarder, the Cognito user pool,
the functions' names, log groups and scoped IAM (``infra/iam.py``), and the operators' alarms,
dashboard and SMS spend limit (``infra/operations.py``), the portal's bucket and CloudFront
distribution (``infra/cdn.py``), and the online requests' private attachments bucket (``infra/attachments.py``).

Usage: python -m infra.build_template STAGE OUTPUT.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from chalicelib.config import Settings
from chalicelib.services.staff_accounts import assignable_roles
from chalicelib.storage import models
from iot.policy import cloudformation_arns, locker_policy, policy_name

from . import announcements, association_site, attachments, cdn, operations
from .iam import log_statement, role, scoped_policy
from .stages import stage_policy, stage_settings

TTL_ATTRIBUTES = {
    "contacts": "erase_at",
    "credentials": "ttl",
    "counters": "ttl",
    "lockers": "ttl",
    "locker-events": "ttl",
    "commands": "ttl",
    "verifications": "ttl",
    "sessions": "ttl",
    "sign-in-attempts": "ttl",
}
# Chalice's functions: logical id -> (the role chalice package gives it, the function's name suffix).
FUNCTIONS = {
    "APIHandler": ("ApiHandlerRole", "api"),
    "ScheduledJob": ("ScheduledJobRole", "scheduled-job"),
    "LockerEvents": ("LockerEventsRole", "locker-events"),
    "AnnouncementWorker": ("AnnouncementWorkerRole", "announcement-worker"),
}
FORWARDER = "DeadLetterForwarder"
# The locker-event function skips app.py (routes, pages, jinja2, segno): see chalicelib/locker_lambda.py.
HANDLERS = {
    "LockerEvents": "chalicelib.locker_lambda.handler",
    "AnnouncementWorker": "chalicelib.announcement_lambda.handler",  # nor does the announcements' worker
}
TOPIC_PREFIX_RE = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


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


def rule_sql(prefix: str, channel: str) -> str:
    """``<prefix>/<locker>/<channel>``: the locker id is the topic segment after the prefix."""
    if not TOPIC_PREFIX_RE.fullmatch(prefix):
        raise ValueError(f"EPS2_TOPIC_PREFIX {prefix!r}: segments of letters, digits, '-' or '_', no wildcards")
    locker = f"topic({prefix.count('/') + 2}) AS locker"
    extra = ", 'status' AS channel" if channel == "status" else ""
    return f"SELECT *, {locker}{extra} FROM '{prefix}/+/{channel}'"


def function_name(stage: str, suffix: str) -> str:
    return f"eps2-{stage}-{suffix}"


def iot_rule(sql: str) -> dict[str, Any]:
    return {
        "Type": "AWS::IoT::TopicRule",
        "Properties": {
            "TopicRulePayload": {
                "AwsIotSqlVersion": "2016-03-23",
                "RuleDisabled": False,
                "Sql": sql,
                "Actions": [{"Lambda": {"FunctionArn": {"Fn::GetAtt": ["LockerEvents", "Arn"]}}}],
                # The forwarder, not the queue: the original payload may hold a code (see chalicelib/dead_letter.py).
                "ErrorAction": {"Lambda": {"FunctionArn": {"Fn::GetAtt": [FORWARDER, "Arn"]}}},
            }
        },
    }


def staff_groups() -> list[str]:
    """The user pool's groups: the console roles, ``department`` and ``dept:<id>`` per catalogue department
    (Cognito allows letters, marks, symbols, digits and punctuation, ``:`` among them, up to 128 characters)."""
    return assignable_roles()


def build(stage: str, settings: Settings | None = None) -> dict[str, Any]:
    """The template for ``stage``, whose settings are read from ``.chalice/config.json`` unless given."""
    settings = settings or stage_settings(stage)
    prefix = settings.topic_prefix
    resources: dict[str, Any] = {}
    for model, base in models.BASE_NAMES.items():
        resources[f"{_camel(base)}Table"] = table_resource(model, base, stage)
    resources["LockerEventsDeadLetter"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": f"eps2-{stage}-locker-events-dlq",
            "MessageRetentionPeriod": 1209600,
            "SqsManagedSseEnabled": True,
        },
    }
    resources["LockerEventsRule"] = iot_rule(rule_sql(prefix, "evt"))
    resources["LockerStatusRule"] = iot_rule(rule_sql(prefix, "status"))
    for rule in ("LockerEventsRule", "LockerStatusRule"):
        for target, suffix in (("LockerEvents", "InvokePermission"), (FORWARDER, "ErrorPermission")):
            resources[f"{rule}{suffix}"] = {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Ref": target},
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
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [FORWARDER, "Arn"]}}},
        },
    }
    resources["LockerEventsDeadLetterPolicy"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "on-failure-destination",
            "Roles": [{"Ref": "LockerEventsRole"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "lambda:InvokeFunction",
                        "Resource": {"Fn::GetAtt": [FORWARDER, "Arn"]},
                    }
                ],
            },
        },
    }
    resources.update(dead_letter_forwarder(stage))
    resources["LockerPolicy"] = {
        "Type": "AWS::IoT::Policy",
        "Properties": {
            "PolicyName": policy_name(stage),
            "PolicyDocument": locker_policy(cloudformation_arns(), prefix),
        },
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
    for group in staff_groups():
        resources[f"StaffGroup{_camel(group.replace(':', '-'))}"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"GroupName": group, "UserPoolId": {"Ref": "StaffUserPool"}},
        }
    resources.update(attachments.resources(settings.public_base_url))
    timeout = announcements.function_timeout(stage)
    resources.update(announcements.resources(stage, timeout))
    resources.update(announcements.feedback(stage))
    policy = stage_policy(stage)
    for function, (role_name, suffix) in FUNCTIONS.items():
        resources[f"{function}LogGroup"] = operations.log_group(function_name(stage, suffix))
        resources[function] = {
            "Properties": {
                "FunctionName": function_name(stage, suffix),
                **({"Handler": HANDLERS[function]} if function in HANDLERS else {}),
                "Environment": {
                    "Variables": {
                        "EPS2_COGNITO_USER_POOL_ID": {"Ref": "StaffUserPool"},
                        "EPS2_COGNITO_CLIENT_ID": {"Ref": "StaffUserPoolClient"},
                        **(
                            {"EPS2_ATTACHMENTS_BUCKET": {"Ref": attachments.BUCKET}}
                            if function in attachments.OBJECT_ACTIONS
                            else {}
                        ),
                        **association_site.environment(function),
                        **({"EPS2_ORIGIN_VERIFY": {"Ref": cdn.ORIGIN_SECRET}} if function == "APIHandler" else {}),
                        **announcements.environment(function, settings, timeout),
                    }
                },
            }
        }
        # Replaces the policy chalice package copies from the policy file: the same actions, scoped; the
        # attachments bucket exists only in the stack, so its statement is added here.
        document = scoped_policy(policy, f"{function}LogGroup", "StaffUserPool", prefix)
        files = attachments.object_statement(function)
        if files is not None:
            document["Statement"].append(files)
        document["Statement"].extend(announcements.statements(function, settings))
        directory = association_site.publish_statement(function)
        if directory is not None:
            document["Statement"].append(directory)
        resources[role_name] = {
            "Properties": {"Policies": [{"PolicyName": f"{role_name}Policy", "PolicyDocument": document}]}
        }
    resources.update(announcements.event_source())
    resources.update(operations.operators_topic(stage))
    resources.update(operations.alarms(stage, [*FUNCTIONS, FORWARDER], "LockerEventsDeadLetter"))
    resources["OperationsDashboard"] = operations.dashboard(stage)
    resources.update(operations.sms_spend_limit(stage))
    resources.update(cdn.resources(stage))
    return {
        "Parameters": {**operations.PARAMETERS, **cdn.PARAMETERS},
        "Conditions": cdn.CONDITIONS,
        "Rules": cdn.RULES,
        "Resources": resources,
        "Outputs": {
            "StaffUserPoolId": {"Value": {"Ref": "StaffUserPool"}},
            "LockerPolicyName": {"Value": {"Ref": "LockerPolicy"}},
            "LockerTopicPrefix": {"Value": prefix},
            "LockerEventsDeadLetterUrl": {"Value": {"Ref": "LockerEventsDeadLetter"}},
            "OperatorsTopicArn": {"Value": {"Ref": operations.TOPIC}},
            "DashboardName": {"Value": {"Ref": "OperationsDashboard"}},
            "AttachmentsBucketName": {"Value": {"Ref": attachments.BUCKET}},
            **cdn.OUTPUTS,
        },
    }


def dead_letter_forwarder(stage: str) -> dict[str, Any]:
    """The function both dead-letter paths invoke; it redacts codes and sends to the queue."""
    name = function_name(stage, "dead-letter")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            log_statement(f"{FORWARDER}LogGroup"),
            {
                "Sid": "DeadLetterQueue",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["LockerEventsDeadLetter", "Arn"]},
            },
        ],
    }
    return {
        f"{FORWARDER}LogGroup": operations.log_group(name),
        f"{FORWARDER}Role": role("dead-letter-forwarder", policy),
        FORWARDER: {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "FunctionName": name,
                "CodeUri": "./deployment.zip",
                "Handler": "chalicelib.dead_letter.forward",
                "Runtime": "python3.11",
                "MemorySize": 256,
                "Timeout": 15,
                "Role": {"Fn::GetAtt": [f"{FORWARDER}Role", "Arn"]},
                "Environment": {
                    "Variables": {
                        "EPS2_STAGE": stage,
                        "EPS2_DEAD_LETTER_URL": {"Ref": "LockerEventsDeadLetter"},
                    }
                },
            },
        },
        f"{FORWARDER}InvokeConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {"FunctionName": {"Ref": FORWARDER}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 2},
        },
    }


def main() -> int:
    stage, output = sys.argv[1], Path(sys.argv[2])
    models.bind(stage_settings(stage))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(build(stage), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
