"""Staff sign-in: Cognito user pool on AWS, PBKDF2-hashed accounts in DynamoDB on the local stage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

from ..ports import StaffIdentity
from ..storage.models import StaffRecord

_ITERATIONS = 200_000


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, iterations, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt_b64), int(iterations))
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


class DynamoStaffDirectory:
    def authenticate(self, username: str, password: str) -> StaffIdentity | None:
        try:
            record = StaffRecord.get(username)
        except StaffRecord.DoesNotExist:
            hash_password(password)  # same cost whether or not the user exists
            return None
        if not verify_password(password, record.password_hash):
            return None
        return StaffIdentity(
            record.username, tuple(str(role) for role in record.roles), record.display_name or record.username
        )


class CognitoStaffDirectory:
    """Checks the password with the user pool; roles are the user's Cognito groups."""

    def __init__(self, client: Any, user_pool_id: str, client_id: str) -> None:
        self._client = client
        self._pool = user_pool_id
        self._app_client = client_id

    def authenticate(self, username: str, password: str) -> StaffIdentity | None:
        try:
            self._client.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._app_client,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except self._client.exceptions.NotAuthorizedException:
            return None
        except self._client.exceptions.UserNotFoundException:
            return None
        groups = self._client.admin_list_groups_for_user(UserPoolId=self._pool, Username=username)
        roles = tuple(g["GroupName"] for g in groups.get("Groups", []))
        return StaffIdentity(username, roles, username)
