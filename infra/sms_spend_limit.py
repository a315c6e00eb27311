"""CloudFormation custom resource: the account's SNS SMS monthly spend limit, from the template parameter.

CloudFormation has no resource for the SNS SMS preferences (``SetSMSAttributes``), so the template
inlines this file as a small Lambda behind ``Custom::SmsSpendLimit``. Create and Update set
``MonthlySpendLimit``; Delete leaves the account's limit as it is (it belongs to the account, not to
the stack, and removing it would not lower spending). AWS refuses a limit above the account's SMS
spend quota (1 USD until a quota increase is granted): the stack then fails with AWS's message.
Standard library and boto3 only: it runs as inline code, not from the app's package.
"""

import json
import urllib.request
from typing import Any

import boto3


def handler(event: dict[str, Any], context: Any, sns: Any = None, respond: Any = None) -> dict[str, Any]:
    """Set the limit (Create, Update) and always answer CloudFormation, or the stack waits an hour."""
    status, reason = "SUCCESS", ""
    limit = str(event.get("ResourceProperties", {}).get("MonthlySpendLimit", ""))
    try:
        if event["RequestType"] in ("Create", "Update"):
            if not limit.isdigit():
                raise ValueError(f"MonthlySpendLimit must be whole US dollars, not {limit!r}")
            (sns or boto3.client("sns")).set_sms_attributes(attributes={"MonthlySpendLimit": limit})
    except Exception as error:  # answer FAILED with the reason rather than leave the stack hanging
        status, reason = "FAILED", f"{type(error).__name__}: {error}"[:500]
    body = {
        "Status": status,
        "Reason": reason or f"MonthlySpendLimit {limit} USD",
        "PhysicalResourceId": "sns-sms-monthly-spend-limit",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"MonthlySpendLimit": limit},
    }
    (respond or _put)(event["ResponseURL"], json.dumps(body).encode())
    return body


def _put(url: str, data: bytes) -> None:
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
