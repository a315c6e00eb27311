"""Online requests in the template as an auditor reads it: a private, encrypted, unversioned attachments bucket
whose CORS lets only the portal in, the API's rights on its objects and nothing more, the new table and index
under the scoped DynamoDB policy, and a Cognito group for every role an admin may give."""

from __future__ import annotations

import json
import unicodedata
from fnmatch import fnmatch
from typing import Any

import pytest

from chalicelib import catalogue
from chalicelib.domain.errors import InvalidInput
from chalicelib.services import staff_accounts
from chalicelib.storage import models
from infra import attachments
from infra.build_template import FUNCTIONS, build
from infra.stages import stage_settings
from tests.support.memory_deps import memory_deps
from tests.support.template import ACCOUNT, REGION, policy_documents, resolve, resources_of

BUCKET_OBJECTS = {"Fn::Sub": f"${{{attachments.BUCKET}.Arn}}/*"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return build("prod")


def statements_of(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return list(template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"])


def test_the_attachments_bucket_is_private_encrypted_unversioned_and_aborts_abandoned_uploads(template):
    bucket = template["Resources"][attachments.BUCKET]
    assert bucket["Type"] == "AWS::S3::Bucket" and bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props.get("VersioningConfiguration", {}).get("Status") != "Enabled"
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] >= 1
    policy = template["Resources"][f"{attachments.BUCKET}Policy"]["Properties"]
    assert policy["Bucket"] == {"Ref": attachments.BUCKET}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_cors_lets_only_the_stages_portal_get_and_post(template):
    (rule,) = template["Resources"][attachments.BUCKET]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == ["https://servicii.ps2.ro"]  # prod's EPS2_PUBLIC_BASE_URL
    assert sorted(rule["AllowedMethods"]) == ["GET", "POST"]
    dev = build("dev")["Resources"][attachments.BUCKET]["Properties"]["CorsConfiguration"]["CorsRules"][0]
    assert dev["AllowedOrigins"] == [attachments.origin(stage_settings("dev").public_base_url)]
    assert dev["AllowedOrigins"] == ["https://dev.eps2.ps2.ro"]


def test_a_portal_address_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="EPS2_PUBLIC_BASE_URL"):
        attachments.origin("servicii.ps2.ro")
    assert attachments.origin("https://servicii.ps2.ro/cereri?x=1") == "https://servicii.ps2.ro"


def test_the_api_may_put_get_and_delete_the_buckets_objects_and_nothing_more(template):
    granted: dict[str, list[dict[str, Any]]] = {}
    for where, document in policy_documents(template).items():
        for statement in document["Statement"]:
            if "s3:" in json.dumps(statement["Action"]) and statement["Effect"] == "Allow":
                granted.setdefault(where.split("/")[0], []).append(statement)
    assert set(granted) == {"ApiHandlerRole", "ScheduledJobRole"}
    (api,) = [s for s in granted["ApiHandlerRole"] if s.get("Sid") != "AssociationsDirectory"]  # tested apart
    assert sorted(api["Action"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert api["Resource"] == BUCKET_OBJECTS  # the objects only: no ListBucket, no bucket configuration
    (job,) = granted["ScheduledJobRole"]
    assert job["Action"] == ["s3:DeleteObject"] and job["Resource"] == BUCKET_OBJECTS  # the retention rule
    assert resolve(BUCKET_OBJECTS) == "${AttachmentsBucket.Arn}/*"  # resolved by CloudFormation, not a wildcard


def test_the_functions_that_touch_files_are_told_the_buckets_name(template):
    for function in FUNCTIONS:
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        expected = {"Ref": attachments.BUCKET} if function in attachments.OBJECT_ACTIONS else None
        assert variables.get("EPS2_ATTACHMENTS_BUCKET") == expected, function
    assert template["Outputs"]["AttachmentsBucketName"] == {"Value": {"Ref": attachments.BUCKET}}


def test_the_attachments_table_and_the_owner_index_come_from_the_models_under_the_scoped_policy(template):
    tables = {
        t["Properties"]["TableName"]: t["Properties"] for t in resources_of(template, "AWS::DynamoDB::Table").values()
    }
    assert len(tables) == len(models.BASE_NAMES)
    assert tables["eps2-prod-attachments"]["KeySchema"] == [
        {"AttributeName": "request_id", "KeyType": "HASH"},
        {"AttributeName": "id", "KeyType": "RANGE"},
    ]
    owner = next(i for i in tables["eps2-prod-requests"]["GlobalSecondaryIndexes"] if i["IndexName"] == "owner")
    assert owner["KeySchema"] == [
        {"AttributeName": "owner", "KeyType": "HASH"},
        {"AttributeName": "created_at", "KeyType": "RANGE"},
    ]
    (dynamo,) = [s for s in statements_of(template, "ApiHandlerRole") if "dynamodb:Query" in s["Action"]]
    arns = resolve(dynamo["Resource"])
    prefix = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
    assert any(fnmatch(prefix + "eps2-prod-attachments", a) for a in arns)
    assert any(fnmatch(prefix + "eps2-prod-requests/index/owner", a) for a in arns)
    assert not any(fnmatch(prefix + "eps2-dev-attachments", a) for a in arns)  # another stage's table is not ours


def _cognito_group_name(name: str) -> bool:
    """Cognito's GroupName: 1 to 128 of [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]."""
    return 1 <= len(name) <= 128 and all(unicodedata.category(c)[0] in "LMSNP" for c in name)


def test_every_role_an_admin_may_give_is_a_cognito_group_of_a_valid_name(template):
    groups = {g["Properties"]["GroupName"] for g in resources_of(template, "AWS::Cognito::UserPoolGroup").values()}
    departments = catalogue.department_ids()
    assert "ps2-urbanism" in departments
    assert groups == {"clerk", "admin", "department", "association", *(f"dept:{d}" for d in departments)}
    assert groups == set(staff_accounts.assignable_roles())
    assert all(_cognito_group_name(g) for g in groups)
    assert not _cognito_group_name("dept:ps2 urbanism")  # the check can fail: a space is not allowed


def test_an_admin_creates_a_department_account_only_for_a_catalogue_department():
    deps = memory_deps()
    created = staff_accounts.create_account(
        deps, "admin", "ioana", "Parola-temporara-2026", ["department", "dept:ps2-urbanism"], "Ioana Pop"
    )
    assert created["roles"] == ["department", "dept:ps2-urbanism"]
    assert deps.staff.lookup("ioana").roles == ("department", "dept:ps2-urbanism")
    for roles in (["department", "dept:ps2-nu-exista"], ["department"], ["dept:ps2-urbanism"], ["chief"]):
        with pytest.raises(InvalidInput):
            staff_accounts.create_account(deps, "admin", "mihai", "Parola-temporara-2026", roles, "Mihai")
