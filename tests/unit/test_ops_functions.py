"""The operations code that runs outside the app: the SMS spend-limit custom resource and the local data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devstack.datadir import MARKER, PID_FILE, DataDirError, claim, data_dir, reset
from infra.sms_spend_limit import handler


class FakeSns:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[dict[str, str]] = []
        self._error = error

    def set_sms_attributes(self, attributes: dict[str, str]) -> None:
        if self._error:
            raise self._error
        self.calls.append(attributes)


def custom_resource_event(request_type: str, limit: Any = "50") -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": "https://cloudformation-custom-resource-response.example/abc",
        "StackId": "arn:aws:cloudformation:eu-central-1:123456789012:stack/eps2-prod/1",
        "RequestId": "req-1",
        "LogicalResourceId": "SmsSpendLimit",
        "ResourceProperties": {"ServiceToken": "arn:…", "MonthlySpendLimit": limit},
    }


def run(event: dict[str, Any], sns: FakeSns) -> tuple[dict[str, Any], list[str]]:
    answered: list[str] = []
    body = handler(event, None, sns=sns, respond=lambda url, data: answered.append(url))
    return body, answered


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_the_spend_limit_parameter_becomes_the_account_s_sms_limit(request_type):
    sns = FakeSns()
    body, answered = run(custom_resource_event(request_type, 50), sns)
    assert sns.calls == [{"MonthlySpendLimit": "50"}]
    assert body["Status"] == "SUCCESS" and answered == [custom_resource_event(request_type)["ResponseURL"]]


def test_deleting_the_stack_leaves_the_account_s_limit_alone():
    sns = FakeSns()
    body, _ = run(custom_resource_event("Delete"), sns)
    assert sns.calls == [] and body["Status"] == "SUCCESS"


def test_a_limit_aws_refuses_fails_the_stack_with_aws_s_reason_instead_of_hanging_it():
    refused = RuntimeError("InvalidParameter: MonthlySpendLimit exceeds the account's quota")
    body, answered = run(custom_resource_event("Create", 500), FakeSns(refused))
    assert body["Status"] == "FAILED" and "quota" in body["Reason"] and len(answered) == 1


def test_eps2_data_dir_names_the_folder_and_defaults_under_dot_local(tmp_path):
    assert data_dir({"EPS2_DATA_DIR": str(tmp_path / "d")}) == tmp_path / "d"
    assert data_dir({}).parts[-2:] == (".local", "data")


def test_a_new_or_empty_folder_is_claimed_and_a_foreign_one_refused(tmp_path):
    claim(tmp_path / "new")
    assert (tmp_path / "new" / MARKER).is_file()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.odt").write_text("years of work")
    with pytest.raises(DataDirError, match="not empty"):
        claim(foreign)
    with pytest.raises(DataDirError, match="not an ePS2 data folder"):
        reset(foreign)
    assert (foreign / "thesis.odt").exists()


def test_reset_deletes_the_data_folder_but_not_while_a_stack_runs_on_it(tmp_path: Path):
    data = tmp_path / "data"
    claim(data)
    (data / "aws-state.pickle").write_bytes(b"state")
    (data / PID_FILE).write_text("1")  # pid 1 is always alive
    with pytest.raises(DataDirError, match="running"):
        reset(data)
    (data / PID_FILE).unlink()
    reset(data)
    assert not data.exists()
