"""The announcements' resources as an auditor reads the template: a queue with a dead-letter queue and an
alarm on it, the worker on its own light handler fed by that queue, SES allowed to the worker only and only
from the stage's sender, the queue's URL given to the functions that enqueue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import announcements
from infra.build_template import build
from tests.support.template import ACCOUNT, REGION, policy_documents, resolve, unscoped_statements


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return build("prod")


def test_the_queue_redrives_to_a_dead_letter_queue_after_five_receives_and_outlasts_the_worker(template):
    queue = template["Resources"]["AnnouncementsQueue"]["Properties"]
    assert queue["QueueName"] == "eps2-prod-announcements"
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["AnnouncementsDeadLetter", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["VisibilityTimeout"] == 6 * announcements.function_timeout("prod") >= 60
    alarm = template["Resources"]["AnnouncementsDeadLetterAlarm"]["Properties"]
    assert alarm["Threshold"] == 0 and alarm["AlarmActions"] == [{"Ref": "OperatorsTopic"}]


def test_the_worker_runs_the_light_handler_on_the_stages_queue_with_its_lease_and_concurrency(template):
    worker = template["Resources"]["AnnouncementWorker"]["Properties"]
    assert worker["Handler"] == "chalicelib.announcement_lambda.handler"
    mapping = template["Resources"]["AnnouncementWorkerQueueMapping"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["AnnouncementsQueue", "Arn"]}
    assert mapping["FunctionName"] == {"Ref": "AnnouncementWorker"} and mapping["BatchSize"] == 1
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}
    env = worker["Environment"]["Variables"]
    assert env["EPS2_DELIVERY_LEASE_SECONDS"] == str(6 * announcements.function_timeout("prod"))
    assert env["EPS2_ANNOUNCEMENT_WORKERS"] == "2" and env["EPS2_ANNOUNCEMENTS_QUEUE_URL"] == {
        "Ref": "AnnouncementsQueue"
    }
    api = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert api["EPS2_ANNOUNCEMENTS_QUEUE_URL"] == {"Ref": "AnnouncementsQueue"}


def test_only_the_worker_may_send_email_and_only_from_the_stages_sender(template):
    documents = policy_documents(template)
    senders = {where for where, document in documents.items() if "ses:SendEmail" in json.dumps(document)}
    assert senders == {"AnnouncementWorkerRole/AnnouncementWorkerRolePolicy"}
    statement = next(
        s
        for s in documents["AnnouncementWorkerRole/AnnouncementWorkerRolePolicy"]["Statement"]
        if s["Action"] == "ses:SendEmail"
    )
    assert resolve(statement["Resource"]) == [
        f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/ps2.ro",
        f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/eps2-prod-announcements",
    ]
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": "anunturi@ps2.ro"}}
    receivers = {where for where, document in documents.items() if "sqs:ReceiveMessage" in json.dumps(document)}
    assert receivers == {"AnnouncementWorkerRole/AnnouncementWorkerRolePolicy"}
    assert unscoped_statements(template) == []


def test_bounces_and_complaints_come_back_to_the_worker_through_the_configuration_sets_topic(template):
    resources = template["Resources"]
    destination = resources["AnnouncementsConfigurationSetFeedback"]["Properties"]
    assert destination["EventDestination"]["MatchingEventTypes"] == ["bounce", "complaint"]
    assert destination["EventDestination"]["SnsDestination"] == {"TopicARN": {"Ref": "AnnouncementsFeedback"}}
    subscription = resources["AnnouncementsFeedbackSubscription"]["Properties"]
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["AnnouncementWorker", "Arn"]}
    env = resources["AnnouncementWorker"]["Properties"]["Environment"]["Variables"]
    assert env["EPS2_SES_CONFIGURATION_SET"] == {"Ref": "AnnouncementsConfigurationSet"}
