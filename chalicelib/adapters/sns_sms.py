"""SMS through Amazon SNS: transactional type, sender id from config, errors translated once."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from ..ports import PermanentSmsError, RetryableSmsError

_RETRYABLE_CODES = {
    "Throttling",
    "ThrottlingException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "KMSThrottling",
}


class SnsSms:
    def __init__(self, client: Any, sender_id: str) -> None:
        self._client = client
        self._sender_id = sender_id

    def send(self, phone_e164: str, body: str) -> str:
        try:
            response = self._client.publish(
                PhoneNumber=phone_e164,
                Message=body,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
                },
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in _RETRYABLE_CODES or status >= 500:
                raise RetryableSmsError(code or str(status)) from error
            raise PermanentSmsError(code or str(error)) from error
        except (EndpointConnectionError, BotoCoreError) as error:
            raise RetryableSmsError(type(error).__name__) from error
        return str(response["MessageId"])

    def ping(self) -> None:
        self._client.get_sms_attributes(attributes=["DefaultSMSType"])
