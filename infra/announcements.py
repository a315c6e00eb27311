"""Announcements to associations on AWS (issue 15): the fan-out queue, its dead-letter queue, the worker's
event source, and each function's permissions on them and on SES.

The queue's visibility timeout is six times the functions' timeout (AWS's advice for an SQS event source),
so a message is never handed to a second worker while the first may still be on it; a message that failed
five times goes to the dead-letter queue (kept 14 days, an alarm when it holds any). The worker runs at
most ``WORKERS`` at once (the event source's maximum concurrency), each paced at its share of the SES rate.
The API and the scheduled job may only send to the queue; the worker may also receive and delete, and send
e-mail from the configured sender only (SES ``ses:FromAddress``), through a configuration set whose
bounces and complaints come back to the worker through SNS.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.config import Settings

from .iam import stack_arn
from .stages import CHALICE_CONFIG

QUEUE, DEAD_LETTER, WORKER = "AnnouncementsQueue", "AnnouncementsDeadLetter", "AnnouncementWorker"
MAX_RECEIVES = 5
WORKERS = 2  # the event source's maximum concurrency (EPS2_ANNOUNCEMENT_WORKERS: each paces at rate / WORKERS)
SENDERS = ("APIHandler", "ScheduledJob", WORKER)  # functions that enqueue
CONFIGURATION_SET, FEEDBACK_TOPIC = "AnnouncementsConfigurationSet", "AnnouncementsFeedback"


def function_timeout(stage: str) -> int:
    """The stage's Lambda timeout (``.chalice/config.json``; Chalice's default is 60 s)."""
    config = json.loads(CHALICE_CONFIG.read_text())
    return int(config["stages"][stage].get("lambda_timeout", config.get("lambda_timeout", 60)))


def visibility_seconds(function_timeout_s: int) -> int:
    return 6 * function_timeout_s


def resources(stage: str, function_timeout_s: int) -> dict[str, Any]:
    return {
        DEAD_LETTER: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"eps2-{stage}-announcements-dlq",
                "MessageRetentionPeriod": 1209600,
                "SqsManagedSseEnabled": True,
            },
        },
        QUEUE: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"eps2-{stage}-announcements",
                "VisibilityTimeout": visibility_seconds(function_timeout_s),
                "MessageRetentionPeriod": 345600,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [DEAD_LETTER, "Arn"]},
                    "maxReceiveCount": MAX_RECEIVES,
                },
            },
        },
        f"{DEAD_LETTER}Alarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": f"eps2-{stage}-announcements-dead-letters",
                "AlarmDescription": "Announcement messages failed five times: recipients wait (see the runbook)",
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [DEAD_LETTER, "QueueName"]}}],
                "Statistic": "Maximum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 0,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [{"Ref": "OperatorsTopic"}],
                "OKActions": [{"Ref": "OperatorsTopic"}],
            },
        },
    }


def feedback(stage: str) -> dict[str, Any]:
    """SES's bounces and complaints: the sender's configuration set publishes them to a topic the worker is
    subscribed to (``services/announcement_bounces.py`` marks the delivery failed)."""
    topic = {"Ref": FEEDBACK_TOPIC}
    return {
        CONFIGURATION_SET: {
            "Type": "AWS::SES::ConfigurationSet",
            "Properties": {"Name": f"eps2-{stage}-announcements"},
        },
        FEEDBACK_TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": f"eps2-{stage}-announcements-feedback"},
        },
        f"{FEEDBACK_TOPIC}Policy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [topic],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "SesPublishes",
                            "Effect": "Allow",
                            "Principal": {"Service": "ses.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": topic,
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
            },
        },
        f"{CONFIGURATION_SET}Feedback": {
            "Type": "AWS::SES::ConfigurationSetEventDestination",
            "Properties": {
                "ConfigurationSetName": {"Ref": CONFIGURATION_SET},
                "EventDestination": {
                    "Name": "bounces-and-complaints",
                    "Enabled": True,
                    "MatchingEventTypes": ["bounce", "complaint"],
                    "SnsDestination": {"TopicARN": topic},
                },
            },
        },
        f"{FEEDBACK_TOPIC}Subscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"Protocol": "lambda", "TopicArn": topic, "Endpoint": {"Fn::GetAtt": [WORKER, "Arn"]}},
        },
        f"{FEEDBACK_TOPIC}Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": WORKER},
                "Principal": "sns.amazonaws.com",
                "SourceArn": topic,
            },
        },
    }


def environment(function: str, settings: Settings, function_timeout_s: int) -> dict[str, Any]:
    """The queue's URL for the functions that use it; the worker's lease equals the queue's visibility."""
    env: dict[str, Any] = {}
    if function in SENDERS:
        env["EPS2_ANNOUNCEMENTS_QUEUE_URL"] = {"Ref": QUEUE}
    if function == WORKER:
        env["EPS2_DELIVERY_LEASE_SECONDS"] = str(visibility_seconds(function_timeout_s))
        env["EPS2_ANNOUNCEMENT_WORKERS"] = str(WORKERS)
        env["EPS2_SES_CONFIGURATION_SET"] = {"Ref": CONFIGURATION_SET}
    return env


def event_source() -> dict[str, Any]:
    """The queue feeds the worker one message an invocation, at most WORKERS invocations at once (a plain
    event source mapping: SAM's SQS event would not take the concurrency through cfn-lint, nor a queue ARN
    that exists only in the stack)."""
    return {
        f"{WORKER}QueueMapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": [QUEUE, "Arn"]},
                "FunctionName": {"Ref": WORKER},
                "BatchSize": 1,
                "ScalingConfig": {"MaximumConcurrency": WORKERS},
            },
        }
    }


def statements(function: str, settings: Settings) -> list[dict[str, Any]]:
    queue = {"Fn::GetAtt": [QUEUE, "Arn"]}
    found: list[dict[str, Any]] = []
    if function in SENDERS:
        found.append({"Sid": "AnnouncementsQueue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue})
    if function == WORKER:
        found.append(
            {
                "Sid": "AnnouncementsWorker",
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                "Resource": queue,
            }
        )
        domain = settings.email_sender.rsplit("@", 1)[-1]
        found.append(
            {
                "Sid": "AnnouncementsEmail",
                "Effect": "Allow",
                "Action": "ses:SendEmail",
                "Resource": [
                    stack_arn("ses", f"identity/{domain}"),
                    stack_arn("ses", f"configuration-set/eps2-{settings.stage}-announcements"),
                ],
                "Condition": {"StringEquals": {"ses:FromAddress": settings.email_sender}},
            }
        )
    return found
