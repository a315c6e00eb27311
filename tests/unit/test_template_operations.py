"""The template as operators and auditors read it: every alarm reaches the operators, IAM names what it may touch,
the locker policy is provisioning's, and the stage's topic prefix reaches every rule and policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import metrics
from chalicelib.config import load_settings
from infra.build_template import FUNCTIONS, build
from infra.stages import stage_environment
from iot.policy import locker_policy, plain_arns, policy_name
from tests.support.template import ACCOUNT, REGION, policy_documents, resolve, resources_of, unscoped_statements


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return build("prod")


def test_every_alarm_notifies_the_operators_topic_which_emails_the_address_parameter(template):
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    expected = {
        "LockerOfflineAlarm",
        "ForcedDoorAlarm",
        "KeypadAttackAlarm",
        "DeadLetterAlarm",
        "SmsFailuresAlarm",
        "SmsSpendAlarm",
        *(f"{f}{m}Alarm" for f in [*FUNCTIONS, "DeadLetterForwarder"] for m in ("Errors", "Throttles")),
    }
    assert expected <= set(alarms)
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "OperatorsTopic"}], name
        assert alarm["Properties"]["OKActions"] == [{"Ref": "OperatorsTopic"}], name
    assert template["Resources"]["OperatorsTopic"]["Type"] == "AWS::SNS::Topic"
    subscription = template["Resources"]["OperatorsEmail"]["Properties"]
    assert subscription == {
        "TopicArn": {"Ref": "OperatorsTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert "Default" not in template["Parameters"]["AlarmEmail"]  # no deploy without an address


def test_application_alarms_watch_metrics_the_backend_emits(template):
    resources = template["Resources"]
    watched = {
        "LockerOfflineAlarm": metrics.LONGEST_OFFLINE_SECONDS,
        "ForcedDoorAlarm": metrics.FORCED_DOORS,
        "KeypadAttackAlarm": metrics.KEYPAD_ATTACKS,
        "SmsFailuresAlarm": metrics.SMS_FAILED,
    }
    for name, metric in watched.items():
        alarm = resources[name]["Properties"]
        assert (alarm["Namespace"], alarm["MetricName"]) == (metrics.NAMESPACE, metric), name
        assert alarm["Dimensions"] == [{"Name": metrics.DIMENSION, "Value": "prod"}], name
    offline = resources["LockerOfflineAlarm"]["Properties"]
    assert (offline["Threshold"], offline["ComparisonOperator"]) == (600, "GreaterThanThreshold")
    assert resources["SmsFailuresAlarm"]["Properties"]["Threshold"] == {"Ref": "SmsFailureThreshold"}
    dead = resources["DeadLetterAlarm"]["Properties"]
    assert dead["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["LockerEventsDeadLetter", "QueueName"]}


def test_the_sms_spend_limit_is_a_parameter_applied_by_a_custom_resource_and_watched(template):
    resources = template["Resources"]
    assert resources["SmsSpendLimit"]["Type"] == "Custom::SmsSpendLimit"
    assert resources["SmsSpendLimit"]["Properties"]["MonthlySpendLimit"] == {"Ref": "SmsMonthlySpendLimit"}
    assert "def handler" in resources["SmsSpendLimitFunction"]["Properties"]["Code"]["ZipFile"]
    share = resources["SmsSpendAlarm"]["Properties"]["Metrics"][1]["Expression"]
    assert share == {"Fn::Sub": "100 * spent / ${SmsMonthlySpendLimit}"}
    assert template["Parameters"]["SmsMonthlySpendLimit"]["Type"] == "Number"


def test_the_dashboard_shows_pickups_open_requests_lockers_and_sms(template):
    body = template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    shown = {line[1] for widget in json.loads(body)["widgets"] for line in widget["properties"]["metrics"]}
    assert {
        metrics.PICKUPS,
        metrics.OPEN_REQUESTS,
        metrics.LOCKERS_ONLINE,
        metrics.SMS_SENT,
        metrics.SMS_FAILED,
    } <= shown


def test_iam_statements_name_the_stage_s_own_resources(template):
    assert unscoped_statements(template) == []
    for function, (role, _) in FUNCTIONS.items():
        statements = template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        logs = [s for s in statements if str(s["Action"]).startswith("['logs:")]
        assert [s["Resource"] for s in logs] == [{"Fn::GetAtt": [f"{function}LogGroup", "Arn"]}]
        assert "logs:CreateLogGroup" not in json.dumps(statements)
        cognito = [s for s in statements if "cognito-idp:" in json.dumps(s["Action"])]
        assert cognito and all(s["Resource"] == {"Fn::GetAtt": ["StaffUserPool", "Arn"]} for s in cognito)
        name = template["Resources"][function]["Properties"]["FunctionName"]
        log_group = template["Resources"][f"{function}LogGroup"]["Properties"]["LogGroupName"]
        assert log_group == f"/aws/lambda/{name}" and name.startswith("eps2-prod-")


def test_the_template_s_locker_policy_is_the_one_provisioning_attaches(template):
    policy = template["Resources"]["LockerPolicy"]["Properties"]
    assert policy["PolicyName"] == policy_name("prod")
    assert resolve(policy["PolicyDocument"]) == locker_policy(plain_arns(REGION, ACCOUNT), "eps2/lockers")


def test_the_topic_prefix_setting_changes_every_rule_and_policy():
    env = {**stage_environment("prod"), "EPS2_TOPIC_PREFIX": "ps2/dulapuri/v2"}
    template = build("prod", load_settings(env))
    text = json.dumps(template)
    assert "eps2/lockers" not in text
    rules = template["Resources"]
    assert rules["LockerEventsRule"]["Properties"]["TopicRulePayload"]["Sql"] == (
        "SELECT *, topic(4) AS locker FROM 'ps2/dulapuri/v2/+/evt'"
    )
    assert rules["LockerStatusRule"]["Properties"]["TopicRulePayload"]["Sql"] == (
        "SELECT *, topic(4) AS locker, 'status' AS channel FROM 'ps2/dulapuri/v2/+/status'"
    )
    document = resolve(rules["LockerPolicy"]["Properties"]["PolicyDocument"])
    assert document == locker_policy(plain_arns(REGION, ACCOUNT), "ps2/dulapuri/v2")
    commands = [
        s
        for s in rules["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        if s["Action"] == ["iot:Publish"]
    ]
    assert resolve(commands[0]["Resource"])[0] == f"arn:aws:iot:{REGION}:{ACCOUNT}:topic/ps2/dulapuri/v2/*/cmd"


def test_a_topic_prefix_with_wildcards_is_refused():
    env = {**stage_environment("prod"), "EPS2_TOPIC_PREFIX": "eps2/+"}
    with pytest.raises(ValueError, match="EPS2_TOPIC_PREFIX"):
        build("prod", load_settings(env))


def test_failed_locker_events_go_through_the_redacting_forwarder_never_straight_to_the_queue(template):
    resources = template["Resources"]
    forwarder = {"Fn::GetAtt": ["DeadLetterForwarder", "Arn"]}
    for rule in ("LockerEventsRule", "LockerStatusRule"):
        assert resources[rule]["Properties"]["TopicRulePayload"]["ErrorAction"] == {
            "Lambda": {"FunctionArn": forwarder}
        }
    destination = resources["LockerEventsFailureDestination"]["Properties"]["DestinationConfig"]
    assert destination == {"OnFailure": {"Destination": forwarder}}
    assert resources["DeadLetterForwarder"]["Properties"]["Handler"] == "chalicelib.dead_letter.forward"
    senders = [
        where
        for where, document in policy_documents(template).items()
        for statement in document["Statement"]
        if "sqs:SendMessage" in json.dumps(statement) and "LockerEventsDeadLetter" in json.dumps(statement)
    ]
    assert senders == ["DeadLetterForwarderRole/dead-letter-forwarder"]  # the announcements' queue has its own
