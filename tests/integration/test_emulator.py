"""The local AWS emulator keeps DynamoDB's transaction semantics: all or nothing."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture()
def dynamodb(stack):
    client = boto3.client("dynamodb", endpoint_url=stack.aws_endpoint, region_name="eu-central-1")
    client.create_table(
        TableName="emulator-check",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
    )
    yield client
    client.delete_table(TableName="emulator-check")


def test_a_cancelled_transaction_leaves_nothing_behind(dynamodb):
    dynamodb.put_item(TableName="emulator-check", Item={"k": {"S": "kept"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as error:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "emulator-check", "Item": {"k": {"S": "new"}}}},
                {
                    "Update": {
                        "TableName": "emulator-check",
                        "Key": {"k": {"S": "kept"}},
                        "UpdateExpression": "SET v = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                },
                {
                    "Put": {
                        "TableName": "emulator-check",
                        "Item": {"k": {"S": "kept2"}},
                        "ConditionExpression": "attribute_exists(k)",
                    }
                },
            ]
        )
    assert error.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in dynamodb.get_item(TableName="emulator-check", Key={"k": {"S": "new"}})
    kept = dynamodb.get_item(TableName="emulator-check", Key={"k": {"S": "kept"}})["Item"]
    assert kept["v"] == {"N": "1"}


def test_a_successful_transaction_writes_everything(dynamodb):
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "emulator-check", "Item": {"k": {"S": "a"}}}},
            {"Put": {"TableName": "emulator-check", "Item": {"k": {"S": "b"}}}},
        ]
    )
    assert "Item" in dynamodb.get_item(TableName="emulator-check", Key={"k": {"S": "b"}})


def test_the_aws_command_publisher_speaks_the_iot_data_api(stack):
    """The adapter used on AWS, against the emulator: topic, QoS 1, MQTT 5 message expiry are accepted."""
    from chalicelib.adapters.iot_publisher import IotDataCommandPublisher

    client = boto3.client("iot-data", endpoint_url=stack.aws_endpoint, region_name="eu-central-1")
    publisher = IotDataCommandPublisher(client, "eps2/lockers")
    publisher.publish("ps2-hq-01", {"v": 1, "id": "x", "type": "unlock"}, 60)
    publisher.ping()
