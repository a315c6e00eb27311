"""What operators get from the template: alarms e-mailed through one SNS topic, a dashboard, the SMS spend limit.

Every alarm notifies (and says when it clears) to ``OperatorsTopic``, whose e-mail subscriber is
the ``AlarmEmail`` parameter. The application metrics are the EMF metrics of
``chalicelib.metrics`` (namespace ``ePS2``, dimension ``Stage``); the rest are AWS's own (Lambda,
SQS, SNS). The monthly SMS spend limit is the ``SmsMonthlySpendLimit`` parameter, applied by a
custom resource (``infra/sms_spend_limit.py``) because CloudFormation has no resource for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib import metrics

from .iam import log_statement, role

TOPIC = "OperatorsTopic"
LOG_RETENTION_DAYS = 90
PARAMETERS: dict[str, Any] = {
    "AlarmEmail": {
        "Type": "String",
        "Description": "E-mail address of the operators: every alarm is sent there (confirm the subscription).",
        "AllowedPattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        "ConstraintDescription": "an e-mail address",
    },
    "SmsMonthlySpendLimit": {
        "Type": "Number",
        "Description": "SNS SMS monthly spend limit in whole US dollars (above 1 needs an SMS quota increase).",
        "Default": 1,
        "MinValue": 1,
    },
    "SmsSpendAlarmPercent": {
        "Type": "Number",
        "Description": "Alarm when the month's SMS spending reaches this share of the limit.",
        "Default": 80,
        "MinValue": 1,
        "MaxValue": 100,
    },
    "SmsFailureThreshold": {
        "Type": "Number",
        "Description": "Alarm when this many SMS notifications fail within an hour.",
        "Default": 5,
        "MinValue": 1,
    },
}


def _notify() -> dict[str, Any]:
    return {"AlarmActions": [{"Ref": TOPIC}], "OKActions": [{"Ref": TOPIC}], "TreatMissingData": "notBreaching"}


def app_metric_alarm(
    description: str,
    metric: str,
    stage: str,
    statistic: str,
    period: int,
    threshold: Any,
    comparison: str = "GreaterThanOrEqualToThreshold",
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": metrics.NAMESPACE,
            "MetricName": metric,
            "Dimensions": [{"Name": metrics.DIMENSION, "Value": stage}],
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": comparison,
            **_notify(),
        },
    }


def aws_metric_alarm(
    description: str, namespace: str, metric: str, dimension: tuple[str, Any], stat: str
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": dimension[0], "Value": dimension[1]}],
            "Statistic": stat,
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            **_notify(),
        },
    }


def alarms(stage: str, functions: list[str], dead_letter_queue: str) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "LockerOfflineAlarm": app_metric_alarm(
            "A locker has been offline for more than 10 minutes.",
            metrics.LONGEST_OFFLINE_SECONDS,
            stage,
            "Maximum",
            60,
            600,
            "GreaterThanThreshold",
        ),
        "ForcedDoorAlarm": app_metric_alarm(
            "A locker door was forced open.", metrics.FORCED_DOORS, stage, "Sum", 60, 1
        ),
        "KeypadAttackAlarm": app_metric_alarm(
            "A locker keypad is under attack (too many wrong PINs).", metrics.KEYPAD_ATTACKS, stage, "Sum", 60, 1
        ),
        "SmsFailuresAlarm": app_metric_alarm(
            "SMS notifications are failing above the threshold (see the staff tasks).",
            metrics.SMS_FAILED,
            stage,
            "Sum",
            3600,
            {"Ref": "SmsFailureThreshold"},
        ),
        "DeadLetterAlarm": aws_metric_alarm(
            "Locker events could not be applied and wait in the dead-letter queue.",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            ("QueueName", {"Fn::GetAtt": [dead_letter_queue, "QueueName"]}),
            "Maximum",
        ),
        "SmsSpendAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": "SMS spending this month is near the SNS monthly spend limit.",
                "Metrics": [
                    {
                        "Id": "spent",
                        "MetricStat": {
                            "Metric": {"Namespace": "AWS/SNS", "MetricName": "SMSMonthToDateSpentUSD"},
                            "Period": 300,
                            "Stat": "Maximum",
                        },
                        "ReturnData": False,
                    },
                    {
                        "Id": "share",
                        "Expression": {"Fn::Sub": "100 * spent / ${SmsMonthlySpendLimit}"},
                        "Label": "Share of the monthly SMS spend limit (%)",
                        "ReturnData": True,
                    },
                ],
                "EvaluationPeriods": 1,
                "Threshold": {"Ref": "SmsSpendAlarmPercent"},
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                **_notify(),
            },
        },
    }
    for function in functions:
        for metric in ("Errors", "Throttles"):
            resources[f"{function}{metric}Alarm"] = aws_metric_alarm(
                f"Lambda {function}: {metric.lower()} in the last 5 minutes.",
                "AWS/Lambda",
                metric,
                ("FunctionName", {"Ref": function}),
                "Sum",
            )
    return resources


def operators_topic(stage: str) -> dict[str, Any]:
    return {
        TOPIC: {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"eps2-{stage}-operators"}},
        "OperatorsEmail": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": TOPIC}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}},
        },
    }


def _widget(title: str, series: list[tuple[str, str]], stage: str, period: int, x: int, y: int) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "view": "timeSeries",
            "period": period,
            "metrics": [[metrics.NAMESPACE, name, metrics.DIMENSION, stage, {"stat": stat}] for name, stat in series],
        },
    }


def dashboard(stage: str) -> dict[str, Any]:
    body = {
        "widgets": [
            _widget("Pickups per day", [(metrics.PICKUPS, "Sum")], stage, 86400, 0, 0),
            _widget("Open requests", [(metrics.OPEN_REQUESTS, "Maximum")], stage, 300, 12, 0),
            _widget(
                "Lockers online / offline",
                [(metrics.LOCKERS_ONLINE, "Minimum"), (metrics.LOCKERS_OFFLINE, "Maximum")],
                stage,
                300,
                0,
                6,
            ),
            _widget("SMS sent / failed", [(metrics.SMS_SENT, "Sum"), (metrics.SMS_FAILED, "Sum")], stage, 3600, 12, 6),
        ]
    }
    return {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {"DashboardName": f"eps2-{stage}", "DashboardBody": {"Fn::Sub": json.dumps(body)}},
    }


def log_group(function_name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"LogGroupName": f"/aws/lambda/{function_name}", "RetentionInDays": LOG_RETENTION_DAYS},
    }


def sms_spend_limit(stage: str) -> dict[str, Any]:
    """The custom resource that applies ``SmsMonthlySpendLimit``, with its inline function and role."""
    code = (Path(__file__).parent / "sms_spend_limit.py").read_text()
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            log_statement("SmsSpendLimitFunctionLogGroup"),
            # SMS preferences are account-wide: the action takes no resource.
            {"Sid": "SmsPreferences", "Effect": "Allow", "Action": "sns:SetSMSAttributes", "Resource": "*"},
        ],
    }
    return {
        "SmsSpendLimitFunctionLogGroup": log_group(f"eps2-{stage}-sms-spend-limit"),
        "SmsSpendLimitRole": role("sms-spend-limit", policy),
        "SmsSpendLimitFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": f"eps2-{stage}-sms-spend-limit",
                "Runtime": "python3.11",
                "Handler": "index.handler",
                "Timeout": 30,
                "Role": {"Fn::GetAtt": ["SmsSpendLimitRole", "Arn"]},
                "Code": {"ZipFile": code},
            },
        },
        "SmsSpendLimit": {
            "Type": "Custom::SmsSpendLimit",
            "Properties": {
                "ServiceToken": {"Fn::GetAtt": ["SmsSpendLimitFunction", "Arn"]},
                "MonthlySpendLimit": {"Ref": "SmsMonthlySpendLimit"},
            },
        },
    }
