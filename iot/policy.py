"""The IoT policy a locker gets: connect only as itself, its own topics only, never a command topic to publish.

One definition, rendered two ways: plain ARNs for ``iot.provision`` and CloudFormation
``Fn::Sub`` strings for the deployment template, under one name per stage, so the policy the
template deploys is the very one provisioning attaches. The topic prefix is the stage's
``EPS2_TOPIC_PREFIX`` (``.chalice/config.json``); both callers pass it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

THING = "${iot:Connection.Thing.ThingName}"
DEFAULT_TOPIC_PREFIX = "eps2/lockers"


def policy_name(stage: str) -> str:
    """The locker policy's name: the template creates it, provisioning attaches it."""
    return f"eps2-{stage}-locker"


def locker_policy(resource: Callable[[str], Any], prefix: str = DEFAULT_TOPIC_PREFIX) -> dict[str, Any]:
    """``resource("topic/…")`` turns an IoT resource suffix into an ARN (string or CloudFormation expression)."""
    own = f"{prefix}/{THING}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ConnectAsItself",
                "Effect": "Allow",
                "Action": "iot:Connect",
                "Resource": resource(f"client/{THING}"),
                "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
            },
            {
                "Sid": "SubscribeOwnCommands",
                "Effect": "Allow",
                "Action": "iot:Subscribe",
                "Resource": resource(f"topicfilter/{own}/cmd"),
            },
            {
                "Sid": "ReceiveOwnCommands",
                "Effect": "Allow",
                "Action": "iot:Receive",
                "Resource": resource(f"topic/{own}/cmd"),
            },
            {
                "Sid": "PublishOwnEventsStateStatus",
                "Effect": "Allow",
                "Action": "iot:Publish",
                "Resource": [
                    resource(f"topic/{own}/evt"),
                    resource(f"topic/{own}/state"),
                    resource(f"topic/{own}/status"),
                ],
            },
            {
                "Sid": "RetainOwnStateStatus",
                "Effect": "Allow",
                "Action": "iot:RetainPublish",
                "Resource": [resource(f"topic/{own}/state"), resource(f"topic/{own}/status")],
            },
        ],
    }


def plain_arns(region: str, account: str, partition: str = "aws") -> Callable[[str], str]:
    return lambda suffix: f"arn:{partition}:iot:{region}:{account}:{suffix}"


def cloudformation_arns() -> Callable[[str], dict[str, str]]:
    def render(suffix: str) -> dict[str, str]:
        escaped = suffix.replace("${iot:", "${!iot:")
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:iot:${{AWS::Region}}:${{AWS::AccountId}}:{escaped}"}

    return render
