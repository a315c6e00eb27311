"""E-mail through Amazon SES (``SendEmail``): plain text, UTF-8, errors translated once.

The subject and body are sent as they are, with Romanian diacritics (SES encodes them for the wire).
Throttling and server faults are retryable (the announcement's queue message comes back); a rejected
message or address is permanent and recorded against the recipient.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..ports import PermanentEmailError, RetryableEmailError

_RETRYABLE_CODES = {"Throttling", "ThrottlingException", "InternalFailure", "ServiceUnavailable"}


class SesEmail:
    def __init__(self, client: Any, sender: str, configuration_set: str = "") -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set  # its event destination publishes bounces and complaints

    def send(self, to: str, subject: str, body: str, tags: dict[str, str] | None = None) -> str:
        extra: dict[str, Any] = {}
        if self._configuration_set:
            extra["ConfigurationSetName"] = self._configuration_set
        if tags:
            extra["Tags"] = [{"Name": name, "Value": value} for name, value in tags.items()]
        try:
            response = self._client.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [to]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                },
                **extra,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in _RETRYABLE_CODES or status >= 500 or status == 429:
                raise RetryableEmailError(code or str(status)) from error
            raise PermanentEmailError(code or str(error)) from error
        except BotoCoreError as error:
            raise RetryableEmailError(type(error).__name__) from error
        return str(response["MessageId"])
