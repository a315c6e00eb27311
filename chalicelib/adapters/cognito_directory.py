"""The staff directory on AWS: the Cognito user pool (ADMIN_USER_PASSWORD_AUTH), its groups as roles.

Cognito's challenges are passed on, never taken as a sign-in: ``NEW_PASSWORD_REQUIRED`` (a temporary
password), ``SOFTWARE_TOKEN_MFA`` (an enrolled authenticator app) and ``MFA_SETUP`` (the pool requires one
and none is enrolled). Where the pool leaves MFA optional but the stage requires it, the enrolment is
started with the access token of the password step. Cognito's errors are translated here, once.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..domain.signin import MFA_SETUP, NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA
from ..ports import (
    AccountExists,
    ChallengeExpired,
    PasswordRejected,
    SignInStep,
    StaffDirectoryError,
    StaffIdentity,
    UnknownAccount,
    WrongAnswer,
)

_NO_SUCH_SIGN_IN = {"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException"}
_GONE = {"NotAuthorizedException", "ResourceNotFoundException", "ExpiredCodeException", "UserNotFoundException"}
_WRONG_CODE = {"CodeMismatchException", "EnableSoftwareTokenMFAException"}
_DEVICE_NAME = "ePS2"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _translated(error: ClientError) -> Exception:
    code = _code(error)
    if code in _WRONG_CODE:
        return WrongAnswer(code)
    if code == "InvalidPasswordException":
        return PasswordRejected(
            "Parola nu respectă regulile: cel puțin 12 caractere, cu litere mari, litere mici și cifre."
        )
    if code in _GONE:
        return ChallengeExpired(code)
    return StaffDirectoryError(code) if code == "UserNotConfirmedException" else error


class CognitoStaffDirectory:
    def __init__(self, client: Any, user_pool_id: str, client_id: str) -> None:
        self._client = client
        self._pool = user_pool_id
        self._app_client = client_id

    def authenticate(self, username: str, password: str) -> SignInStep | None:
        try:
            answer = self._initiate(username, password)
        except ClientError as error:
            if _code(error) in _NO_SUCH_SIGN_IN:
                return None
            raise _translated(error) from error
        return self._step(username, answer)

    def _initiate(self, username: str, password: str) -> dict[str, Any]:
        return dict(
            self._client.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._app_client,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        )

    def _step(self, username: str, answer: dict[str, Any]) -> SignInStep:
        challenge = answer.get("ChallengeName")
        if not challenge:
            identity = self.lookup(username)
            if identity is None:
                raise ChallengeExpired("account disabled")
            return SignInStep(identity=identity, state={"access_token": answer["AuthenticationResult"]["AccessToken"]})
        if challenge == MFA_SETUP:
            associated = self._client.associate_software_token(Session=answer["Session"])
            session = associated.get("Session") or answer["Session"]
            return SignInStep(challenge=MFA_SETUP, state={"session": session}, secret=associated["SecretCode"])
        if challenge in (NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA):
            return SignInStep(challenge=challenge, state={"session": answer["Session"]})
        raise StaffDirectoryError(f"unsupported challenge {challenge}")

    def respond(self, username: str, challenge: str, state: dict[str, str], answer: str) -> SignInStep:
        try:
            if challenge == MFA_SETUP:
                return self._enrol(username, state, answer)
            key = "NEW_PASSWORD" if challenge == NEW_PASSWORD_REQUIRED else "SOFTWARE_TOKEN_MFA_CODE"
            reply = self._client.admin_respond_to_auth_challenge(
                UserPoolId=self._pool,
                ClientId=self._app_client,
                ChallengeName=challenge,
                Session=state.get("session", ""),
                ChallengeResponses={"USERNAME": username, key: answer},
            )
        except ClientError as error:
            raise _translated(error) from error
        return self._step(username, dict(reply))

    def _enrol(self, username: str, state: dict[str, str], code: str) -> SignInStep:
        if "session" in state:
            verified = self._client.verify_software_token(
                Session=state["session"], UserCode=code, FriendlyDeviceName=_DEVICE_NAME
            )
            reply = self._client.admin_respond_to_auth_challenge(
                UserPoolId=self._pool,
                ClientId=self._app_client,
                ChallengeName=MFA_SETUP,
                Session=verified["Session"],
                ChallengeResponses={"USERNAME": username},
            )
            self._prefer_totp(username)
            return self._step(username, dict(reply))
        self._client.verify_software_token(
            AccessToken=state.get("access_token", ""), UserCode=code, FriendlyDeviceName=_DEVICE_NAME
        )
        self._prefer_totp(username)
        identity = self.lookup(username)
        if identity is None:
            raise ChallengeExpired("account disabled")
        return SignInStep(identity=identity)

    def _prefer_totp(self, username: str) -> None:
        self._client.admin_set_user_mfa_preference(
            UserPoolId=self._pool,
            Username=username,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )

    def start_totp_setup(self, username: str, state: dict[str, str]) -> SignInStep:
        try:
            associated = self._client.associate_software_token(AccessToken=state.get("access_token", ""))
        except ClientError as error:
            raise _translated(error) from error
        return SignInStep(challenge=MFA_SETUP, state=dict(state), secret=associated["SecretCode"])

    def lookup(self, username: str) -> StaffIdentity | None:
        try:
            user = self._client.admin_get_user(UserPoolId=self._pool, Username=username)
            groups = self._client.admin_list_groups_for_user(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                return None
            raise
        if not user.get("Enabled", True):
            return None
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        return StaffIdentity(
            username,
            tuple(g["GroupName"] for g in groups.get("Groups", [])),
            attributes.get("name") or username,
            totp="SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or []),
        )

    def change_password(self, username: str, current: str, new: str) -> None:
        try:
            self._initiate(username, current)  # any answer but an error means the password is right
        except ClientError as error:
            if _code(error) in _NO_SUCH_SIGN_IN:
                raise WrongAnswer("wrong password") from None
            raise
        try:
            self._client.admin_set_user_password(UserPoolId=self._pool, Username=username, Password=new, Permanent=True)
        except ClientError as error:
            raise _translated(error) from error

    def create_account(self, username: str, temporary_password: str, roles: tuple[str, ...], name: str) -> None:
        try:
            self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=username,
                TemporaryPassword=temporary_password,
                MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "name", "Value": name or username}],
            )
        except ClientError as error:
            if _code(error) == "UsernameExistsException":
                raise AccountExists(username) from None
            raise _translated(error) from error
        for role in roles:
            self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=username, GroupName=role)

    def set_enabled(self, username: str, enabled: bool) -> None:
        call = self._client.admin_enable_user if enabled else self._client.admin_disable_user
        self._for_user(call, username)

    def set_roles(self, username: str, roles: tuple[str, ...]) -> None:
        groups = self._for_user(self._client.admin_list_groups_for_user, username)
        current = {g["GroupName"] for g in groups.get("Groups", [])}
        for role in sorted(set(roles) - current):
            self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=username, GroupName=role)
        for role in sorted(current - set(roles)):
            self._client.admin_remove_user_from_group(UserPoolId=self._pool, Username=username, GroupName=role)

    def _for_user(self, call: Any, username: str) -> Any:
        try:
            return call(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                raise UnknownAccount(username) from None
            raise
